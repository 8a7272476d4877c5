/* SPDX-License-Identifier: MIT */
/*
 * web: the page's files, as compiled in from web/ (cmake/embed.cmake).
 *
 * Invariants:
 * - Only these paths serve files, and only these bytes: nothing is read
 *   from disk at run time, so no request can reach data or config.
 * - The files are public (the page asks for a token itself); every API
 *   path still needs one when tokens are on.
 * - The policy allows the page's own files and its own API only: no
 *   inline script or style, nothing from other sites, no framing.
 */
#include "web.h"

#include <string.h>

extern const unsigned char assetd_web_index_html[];
extern const size_t assetd_web_index_html_len;
extern const unsigned char assetd_web_app_js[];
extern const size_t assetd_web_app_js_len;
extern const unsigned char assetd_web_style_css[];
extern const size_t assetd_web_style_css_len;

const char web_csp[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; "
	"img-src 'self'; connect-src 'self'; base-uri 'none'; "
	"form-action 'none'; frame-ancestors 'none'";

int web_find(const char *path, struct web_file *f)
{
	if (strcmp(path, "/") == 0)
		*f = (struct web_file){"text/html; charset=utf-8",
				       (const char *)assetd_web_index_html,
				       assetd_web_index_html_len};
	else if (strcmp(path, "/app.js") == 0)
		*f = (struct web_file){"text/javascript; charset=utf-8",
				       (const char *)assetd_web_app_js,
				       assetd_web_app_js_len};
	else if (strcmp(path, "/style.css") == 0)
		*f = (struct web_file){"text/css; charset=utf-8",
				       (const char *)assetd_web_style_css,
				       assetd_web_style_css_len};
	else
		return 0;
	return 1;
}
