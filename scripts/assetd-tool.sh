# SPDX-License-Identifier: MIT
# What the asset-* helpdesk tools share (docs/TOOLS.md): options, where
# the server's address and the token come from, one request through
# curl, and turning the reply into an exit code. Sourced by each tool,
# never run; each tool defines usage() before sourcing it.
#
# The token and the request body reach curl as a curl config on its
# standard input (--config -), written by the shell's built-in printf,
# so neither is ever in a process's arguments (ps shows curl's options
# only). JSON is built by jq --arg, so every UTF-8 text is escaped
# correctly; text that is not UTF-8 is refused rather than altered.
#
# Exit codes, the same for every tool:
#   0   done
#   1   the server refused the request: any status but 2xx, 429 and
#       503 (its message is printed; the API writes nothing for a
#       refused request). Trying again won't help.
#   2   try again later. Either the server said so, with its message
#       printed: 429, too many failed tokens from this address (and
#       Retry-After's seconds), or 503 (disk full, shutting down, needs
#       a restart, ...). Or no answer: curl failed (cannot connect,
#       timed out), the reply was not assetd's, or curl, jq or this
#       file is missing. After a timeout, or the 503 saying the request
#       may or may not be recorded, it may have taken effect: look
#       before trying again.
#   64  wrong usage: a bad option, a missing one, text that is not
#       UTF-8, a bad ASSETD_URL / ASSETD_TOKEN or configuration file
#
# shellcheck shell=sh disable=SC2034 # optval, optshift, tool_id: for tools

tool_name=${0##*/}
# Not inherited from the environment: these say what the command gave.
unset tool_arg tool_opt_url tool_opt_token
tool_nl='
'
tool_cr=$(printf '\r')
# Limit: one request waits at most 60 s (10 s to connect), so a server
# that hangs cannot hang a helpdesk script with it.
tool_curl_opts="--connect-timeout 10 --max-time 60"

# For jq: must() stops at a reply that is not what assetd sends; clean
# turns control characters in server text into "?" before it is printed;
# line is an asset's state as one line: id, status, holder's email,
# type, model, separated by tabs.
tool_jq_defs='
def must(f): if f then . else error("not the reply expected") end;
def clean: explode
  | map(if . < 32 or (. >= 127 and . < 160) then 63 else . end) | implode;
def line: must(.id | type == "number")
  | [(.id | tostring), .status, .employee_email, .asset_type,
    .asset_model] | map(tostring | clean) | join("\t");
'

tool_die() {
	printf '%s: %s\n' "$tool_name" "$2" >&2
	exit "$1"
}

# Exits 64 with the words given as the message.
tool_usage_error() {
	printf '%s: %s\nTry '\''%s --help'\''.\n' "$tool_name" "$*" \
		"$tool_name" >&2
	exit 64
}

# The part of every tool's --help that is the same for all of them.
tool_usage_common() {
	cat <<'EOF'

  --url URL      the server (else $ASSETD_URL, else url= in the file
                 below, else http://127.0.0.1:8080)
  --token TOKEN  bearer token (else $ASSETD_TOKEN, else token= in the
                 file below). Others on this machine can see a tool's
                 arguments: prefer the variable or the file.
  --help         print this and exit

Configuration file: ~/.config/assetd ($XDG_CONFIG_HOME/assetd when
that is set), lines of url=... and token=... ('#' starts a comment).

Exit codes: 0 done; 1 the server refused (its message on stderr);
2 try again later: the server said so (HTTP 429 or 503, its message on
stderr) or did not answer (cannot connect, timed out, unreadable
reply); 64 wrong usage or configuration. See docs/TOOLS.md.
EOF
}

# Reads the value of the option in $2, given as "--opt VALUE" or
# "--opt=VALUE", into optval, and how many words it took into optshift.
# The word after the option is its value even when it starts with "-".
# $1 is not empty when the option was given before: that is a usage
# error, so that a second value never silently replaces the first.
tool_value() {
	[ -z "$1" ] || tool_usage_error "${2%%=*} given twice"
	shift
	case $1 in
	--*=*)
		optval=${1#*=}
		optshift=1
		;;
	*)
		[ $# -ge 2 ] || tool_usage_error "$1 needs a value"
		optval=$2
		optshift=2
		;;
	esac
}

# Handles the options every tool has, and at most one plain argument,
# which it leaves in tool_arg.
tool_option() {
	case $1 in
	--url | --url=*)
		tool_value "${tool_opt_url+given}" "$@"
		tool_opt_url=$optval
		;;
	--token | --token=*)
		tool_value "${tool_opt_token+given}" "$@"
		tool_opt_token=$optval
		;;
	--help | -h)
		usage
		tool_usage_common
		exit 0
		;;
	-*)
		tool_usage_error "unknown option ${1%%=*}"
		;;
	*)
		[ -z "${tool_arg+given}" ] ||
			tool_usage_error "too many arguments"
		tool_arg=$1
		optshift=1
		;;
	esac
}

# Takes pairs of an option's name and a word that is empty when the
# option was not given; names every missing one at once.
tool_required() {
	tool_missing=
	while [ $# -ge 2 ]; do
		[ -n "$2" ] ||
			tool_missing="$tool_missing${tool_missing:+, }$1"
		shift 2
	done
	[ -z "$tool_missing" ] || tool_usage_error "missing $tool_missing"
}

# The ID argument of return, transfer and show: digits only, so that it
# cannot change the request's path. The server checks the range.
tool_id() {
	[ -n "${tool_arg+given}" ] || tool_usage_error "missing the asset's ID"
	case $tool_arg in
	'' | *[!0-9]*) tool_usage_error "the ID must be a whole number" ;;
	esac
	tool_id=$tool_arg
}

tool_no_arg() {
	[ -z "${tool_arg+given}" ] || tool_usage_error "unexpected $tool_arg"
}

tool_trim() {
	tool_trimmed=${1#"${1%%[! 	]*}"}
	tool_trimmed=${tool_trimmed%"${tool_trimmed##*[! 	]}"}
}

# Reads url= and token= from the configuration file without running
# it: each line is "name=value" (spaces around both ignored), blank, or
# a comment starting with "#". Anything else, or a name given twice, is
# an error, so a typo is not silently ignored. An error names the file,
# the line and the name, never the value: that may be the token.
tool_read_file() {
	tool_lineno=0
	tool_seen=' '
	while IFS= read -r tool_line || [ -n "$tool_line" ]; do
		tool_lineno=$((tool_lineno + 1))
		tool_line=${tool_line%"$tool_cr"}
		tool_trim "$tool_line"
		case $tool_trimmed in
		'' | '#'*) continue ;;
		*=*) ;;
		*) tool_usage_error "$1:$tool_lineno: expected name=value" ;;
		esac
		tool_trim "${tool_trimmed%%=*}"
		tool_key=$tool_trimmed
		case $tool_key in
		url | token) ;;
		*)
			tool_usage_error \
				"$1:$tool_lineno: unknown name '$tool_key'"
			;;
		esac
		case $tool_seen in
		*" $tool_key "*)
			tool_usage_error \
				"$1:$tool_lineno: name '$tool_key' given twice"
			;;
		esac
		tool_seen="$tool_seen$tool_key "

		tool_trim "${tool_line#*=}"
		case $tool_key in
		url) tool_file_url=$tool_trimmed ;;
		token) tool_file_token=$tool_trimmed ;;
		esac
	done <"$1"
}

# Settles the server's URL and the token, each from the first of: its
# option, its environment variable, the configuration file, the default
# (no token). An empty value counts as not given. Checks that curl and
# jq are there.
tool_config() {
	command -v curl >/dev/null 2>&1 || tool_die 2 "curl is not installed"
	command -v jq >/dev/null 2>&1 || tool_die 2 "jq is not installed"

	tool_url=${tool_opt_url:-${ASSETD_URL:-}}
	tool_token=${tool_opt_token:-${ASSETD_TOKEN:-}}
	tool_file_url=
	tool_file_token=
	tool_file=${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/assetd
	if [ -z "$tool_url" ] || [ -z "$tool_token" ]; then
		if [ -e "$tool_file" ]; then
			if ! [ -f "$tool_file" ] || ! [ -r "$tool_file" ]; then
				tool_usage_error "cannot read $tool_file"
			fi
			tool_read_file "$tool_file"
		fi
	fi
	tool_url=${tool_url:-${tool_file_url:-http://127.0.0.1:8080}}
	tool_token=${tool_token:-$tool_file_token}

	case $tool_url in
	*[[:space:][:cntrl:]]*)
		tool_usage_error "the URL must not contain spaces or" \
			"control characters"
		;;
	*[?#]*)
		tool_usage_error "the URL must not have a query or a" \
			"fragment (the tools add the path after it)"
		;;
	http://?* | https://?*) ;;
	*) tool_usage_error "the URL must start with http:// or https://" ;;
	esac
	while :; do
		case $tool_url in
		*/) tool_url=${tool_url%/} ;;
		*) break ;;
		esac
	done
	case $tool_token in
	*[[:space:][:cntrl:]]*)
		tool_usage_error "the token must not contain spaces or" \
			"control characters"
		;;
	esac
}

# Takes pairs of an option's name and its value; fails with 64 unless
# every value is UTF-8 text (jq would replace what is not).
tool_utf8() {
	while [ $# -ge 2 ]; do
		tool_back=$(jq -jn --arg v "$2" '$v'; printf .)
		[ "$tool_back" = "$2." ] ||
			tool_usage_error "$1 is not UTF-8 text"
		shift 2
	done
}

# Adds the line NAME = "VALUE" to the curl config in tool_cfg, with a
# backslash before each backslash and double quote in VALUE. VALUE has
# no line break: URL and token are checked, jq -c writes one line.
tool_cfg_add() {
	tool_quoted=$(printf '%s' "$2" | LC_ALL=C sed 's/[\\"]/\\&/g')
	tool_cfg="$tool_cfg$1 = \"$tool_quoted\"$tool_nl"
}

# Sends one request to PATH under the server's URL: a GET, or a POST of
# the JSON in $2 (one line, as jq -c writes it). Leaves the HTTP status
# in reply_status, the body in reply_body and the Retry-After header's
# seconds in reply_retry_after (empty when not sent, or not a number of
# seconds); exits 2 if curl fails.
tool_request() {
	tool_cfg=
	tool_cfg_add url "$tool_url$1"
	if [ -n "$tool_token" ]; then
		tool_cfg_add header "Authorization: Bearer $tool_token"
	fi
	if [ $# -ge 2 ]; then
		tool_cfg_add header "Content-Type: application/json"
		tool_cfg_add data-binary "$2"
	fi

	# -q (first) ignores ~/.curlrc; -w puts the status and Retry-After
	# on a last line, "429 42". Limit: %header{} needs curl 7.84 or
	# later; an older curl gives no number, so no seconds are shown.
	# shellcheck disable=SC2086 # tool_curl_opts is meant to split
	tool_reply=$(printf '%s' "$tool_cfg" |
		curl -q -sS --proto =http,https $tool_curl_opts \
			-w '\n%{http_code} %header{retry-after}' --config -) ||
		tool_die 2 "cannot reach the server at $tool_url"

	tool_last=${tool_reply##*"$tool_nl"}
	reply_body=${tool_reply%"$tool_nl"*}
	reply_status=${tool_last%% *}
	reply_retry_after=${tool_last#"$reply_status"}
	reply_retry_after=${reply_retry_after# }
	case $reply_retry_after in
	'' | *[!0-9]* | ??????????*) reply_retry_after= ;;
	esac
}

# Returns if the reply has status $1. Otherwise prints the server's
# error message and exits 2 for 429 (with Retry-After's seconds) and
# 503, which say "try again later", and 1 for any other refusal; or
# exits 2 for a success that is not the one asked for (that is not
# assetd answering).
tool_expect() {
	[ "$reply_status" = "$1" ] && return 0
	case $reply_status in
	2??)
		tool_die 2 \
			"unexpected reply from the server (HTTP $reply_status)"
		;;
	esac
	tool_msg=$(printf '%s' "$reply_body" | jq -r "$tool_jq_defs"'
		if type == "object" and (.error | type) == "string"
		then .error | clean else empty end' 2>/dev/null) || tool_msg=
	[ -n "$tool_msg" ] ||
		tool_msg="the server answered HTTP $reply_status"

	case $reply_status in
	429)
		[ -z "$reply_retry_after" ] ||
			tool_msg="$tool_msg (retry after $reply_retry_after s)"
		tool_die 2 "$tool_msg"
		;;
	503) tool_die 2 "$tool_msg" ;;
	esac
	tool_die 1 "$tool_msg"
}

# Prints what jq's FILTER (with the definitions above) makes of the
# reply; exits 2 when the reply is not JSON or FILTER's must() fails.
tool_reply_jq() {
	printf '%s' "$reply_body" | jq -r "$tool_jq_defs$1" 2>/dev/null ||
		tool_die 2 "the server's reply could not be read"
}
