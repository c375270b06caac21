#!/bin/bash
# The CPython layout table (runtimes/python_frames.c) against the DWARF of every CPython here:
# gdb computes each offset from the debug information (pyenv's libpython3.X.so keep it;
# Debian's /usr/bin/python3.11 has it in python3.11-dbg's build-id file), and every entry of
# the table for that minor version must be equal. Fields a version does not have must be 0.
source "$(dirname "$0")/../lib.sh"

TOOL=$PWD/$OUT/tools/py_layouts
[ -x "$TOOL" ] || { fail "python_offsets: $TOOL not built (make unit)"; exit 0; }
PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
"$TOOL" >"$TMP/table"

# exprs MINOR: "FIELD EXPRESSION" lines (an expression gdb evaluates to the offset)
exprs() {
	local m=$1 rt='struct pyruntimestate *' ts='PyThreadState *' co='PyCodeObject *'
	local fr='struct _PyInterpreterFrame *'
	[ "$m" -le 10 ] && fr='PyFrameObject *'
	if [ "$m" -le 11 ]; then
		echo "rt_tss_key (long)&(($rt)0)->gilstate.autoTSSkey._key"
	else
		echo "rt_tss_key (long)&(($rt)0)->autoTSSkey._key"
	fi
	case $m in
	8 | 9 | 10)
		echo "ts_frame (long)&(($ts)0)->frame"
		echo "f_code (long)&(($fr)0)->f_code"
		echo "f_previous (long)&(($fr)0)->f_back"
		echo "f_instr (long)&(($fr)0)->f_lasti"
		;;
	11 | 12)
		echo "ts_frame (long)&(($ts)0)->cframe"
		echo "cframe_current (long)&((_PyCFrame *)0)->current_frame"
		echo "f_code (long)&(($fr)0)->f_code"
		echo "f_previous (long)&(($fr)0)->previous"
		echo "f_instr (long)&(($fr)0)->prev_instr"
		echo "f_owner (long)&(($fr)0)->owner"
		;;
	*)
		echo "ts_frame (long)&(($ts)0)->current_frame"
		echo "f_code (long)&(($fr)0)->f_executable"
		echo "f_previous (long)&(($fr)0)->previous"
		echo "f_instr (long)&(($fr)0)->instr_ptr"
		echo "f_owner (long)&(($fr)0)->owner"
		;;
	esac
	[ "$m" = 11 ] && echo "f_is_entry (long)&(($fr)0)->is_entry"
	echo "co_filename (long)&(($co)0)->co_filename"
	echo "co_name (long)&(($co)0)->co_name"
	echo "co_firstlineno (long)&(($co)0)->co_firstlineno"
	if [ "$m" -le 9 ]; then
		echo "co_linetable (long)&(($co)0)->co_lnotab"
	else
		echo "co_linetable (long)&(($co)0)->co_linetable"
	fi
	if [ "$m" -ge 11 ]; then
		echo "co_qualname (long)&(($co)0)->co_qualname"
		echo "co_code_adaptive (long)&(($co)0)->co_code_adaptive"
	fi
	echo "str_ascii_data (long)sizeof(PyASCIIObject)"
	echo "str_compact_data (long)sizeof(PyCompactUnicodeObject)"
}

# compare MINOR ELF LABEL
compare() {
	local m=$1 elf=$2 label=$3 args=() fields=() i=0 bad="" n=0
	while read -r field expr; do
		fields+=("$field")
		args+=(-ex "print $expr")
	done < <(exprs "$m")
	gdb -nx -batch "${args[@]}" "$elf" >"$TMP/gdb.out" 2>&1
	declare -A dwarf=()
	while read -r line; do
		[[ $line =~ ^\$([0-9]+)\ =\ ([0-9]+)$ ]] || continue
		dwarf[${fields[${BASH_REMATCH[1]} - 1]}]=${BASH_REMATCH[2]}
	done <"$TMP/gdb.out"
	if [ ${#dwarf[@]} != ${#fields[@]} ]; then
		fail "python_offsets: $label: gdb gave ${#dwarf[@]} of ${#fields[@]} offsets: $(grep -v '^\$' "$TMP/gdb.out" | head -2 | tr '\n' ' ')"
		return
	fi
	while read -r ver field value; do
		[ "$ver" = "3.$m" ] || continue
		n=$((n + 1))
		want=${dwarf[$field]-0}
		[ "$value" = "$want" ] || bad+=" $field=$value (DWARF $want)"
	done <"$TMP/table"
	if [ $n = 0 ]; then
		fail "python_offsets: $label: no table entry for 3.$m"
	elif [ -n "$bad" ]; then
		fail "python_offsets: $label:$bad"
	else
		ok "python_offsets: $label: $n table entries equal DWARF (${#fields[@]} offsets)"
	fi
}

checked=0
if [ -x /usr/bin/python3.11 ]; then
	id=$(readelf -n /usr/bin/python3.11 | sed -n 's/.*Build ID: \(..\)\(.*\)/\1\/\2/p')
	if [ -f "/usr/lib/debug/.build-id/$id.debug" ]; then
		compare 11 /usr/bin/python3.11 "Debian python3.11 (python3.11-dbg)"
		checked=$((checked + 1))
	else
		fail "python_offsets: /usr/bin/python3.11: no debug file (install python3.11-dbg)"
	fi
fi
for m in 8 9 10 11 12 13; do
	for lib in "$PYENV_ROOT"/versions/3.$m.*/lib/libpython3.$m.so.1.0; do
		[ -f "$lib" ] || continue
		compare "$m" "$lib" "pyenv $(basename "$(dirname "$(dirname "$lib")")")"
		checked=$((checked + 1))
	done
done
echo "checked $checked CPython builds"
