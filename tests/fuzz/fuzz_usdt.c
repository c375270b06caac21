// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the USDT parsers. The first byte chooses the parser: even, the argument
 * spec parser on the rest as a string (and each argument written back); odd, the ELF note reader
 * on the rest as an ELF image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtimes/usdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		struct usdt_arg args[USDT_MAX_ARGS];
		char *spec = malloc(size), text[128];
		int i, n;

		if (!spec)
			return 0;
		memcpy(spec, data + 1, size - 1);
		spec[size - 1] = '\0';
		n = usdt_parse_args(spec, args, USDT_MAX_ARGS);
		/* what probes prints of each argument */
		for (i = 0; i < n; i++)
			usdt_arg_format(&args[i], text, sizeof(text));
		free(spec);
	} else {
		/* a private copy: libelf may want to write (byte-swap) the image in place */
		void *image = malloc(size - 1 ? size - 1 : 1);

		if (!image)
			return 0;
		memcpy(image, data + 1, size - 1);
		usdt_notes__free(usdt_notes__read_mem(image, size - 1));
		free(image);
	}
	return 0;
}
