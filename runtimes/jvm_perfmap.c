// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "lib/errors.h"
#include "lib/log.h"
#include "runtimes/jvm_perfmap.h"
#include "runtimes/runtime.h"

void jvm_perfmap__tick(struct jvm_perfmap *j, const char *cmd, int pid, double t)
{
	int err;

	if (j->failed || (j->checked && !j->is_jvm))
		return;
	if (t >= 0 && t < (j->checked ? j->next_s : 0.5))
		return;
	if (!j->checked) {
		j->checked = true;
		j->is_jvm = jvm_process(pid);
		if (!j->is_jvm)
			return;
		pr_info("%s: jvm %d: asking the JVM for its perf map every second (its attach "
			"mechanism, as jcmd %d Compiler.perfmap does)\n",
			cmd, pid, pid);
	}
	err = jvm_request_perfmap(pid);
	if (err == -EAGAIN) { /* the JVM is still starting: next tick */
		j->next_s = t + 0.2;
		return;
	}
	if (err && err != -ESRCH) {
		j->failed = true;
		pr_warn("%s: jvm %d: cannot ask for its perf map (%s): compiled Java methods "
			"stay unnamed; start it with -XX:+UnlockDiagnosticVMOptions "
			"-XX:+DumpPerfMapAtExit\n",
			cmd, pid, err_str(err));
		return;
	}
	j->requests++;
	j->next_s = t + 1.0;
}
