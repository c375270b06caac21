/* Forced-inline helpers for symbolize_target.c: their code lands in the caller's CU, so the
 * DW_AT_call_file of the frames they are inlined into is this header or the .c file. */
#ifndef SYMBOLIZE_INLINE_H
#define SYMBOLIZE_INLINE_H

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE unsigned sym_leaf(unsigned x)
{
	x ^= x << 13;
	x ^= x >> 17;
	return x ^ (x << 5);
}

ALWAYS_INLINE unsigned sym_step(unsigned x, unsigned k)
{
	unsigned r = sym_leaf(x + k);

	if (r & 1)
		r = sym_leaf(r) * 2654435761u;
	return r;
}

#endif
