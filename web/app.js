/* SPDX-License-Identifier: MIT */
/*
 * The helpdesk's page: issue an asset, list and search assets, return or
 * transfer one, and read one asset's history, all through /api (see
 * docs/API.md and docs/WEB.md).
 *
 * Invariants:
 * - Server data reaches the page only as text nodes and textContent, or
 *   through setAttribute: no HTML is ever parsed from a string.
 * - The token is kept in sessionStorage (this tab, until it closes or
 *   the token is forgotten) and sent only as Authorization: Bearer to
 *   this page's own server. A token the server refuses (401) is
 *   forgotten at once, so it is not sent again and again.
 * - Every POST carries an Idempotency-Key; sending the same request
 *   again after no reply or a server error reuses it, so one click is
 *   one record even when a reply is lost.
 * - The Content-Security-Policy (src/web.c) allows no inline script or
 *   style and no form submission: every form's submit event is handled
 *   here and never lets the browser submit.
 * - Routes live in the hash: "#/" (or none) is the form and the list,
 *   "#/assets/7" is one asset and its history.
 */
"use strict";

(function () {
	const TOKEN_KEY = "assetd-token";
	const PAGE_SIZE = 20;
	const FILTERS = ["employee_email", "asset_type", "status", "q"];

	const byId = (id) => document.getElementById(id);

	/* Builds an element. attrs are set with setAttribute (null skips
	 * one); children are nodes, or strings that become text nodes. */
	function el(tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {}))
			if (v !== null && v !== undefined)
				e.setAttribute(k, String(v));
		for (const c of children) {
			if (c === null || c === undefined)
				continue;
			e.appendChild(typeof c === "string" ?
				document.createTextNode(c) : c);
		}
		return e;
	}

	/* "2026-12-04T15:04:05Z" as "2026-12-04 15:04:05", in a <time>. */
	function when(at) {
		if (typeof at !== "string")
			return "";
		const [date, clock] = at.replace(/Z$/, "").split("T");
		return el("time", {datetime: at}, el("span", {}, date), " ",
			el("span", {}, clock || ""));
	}

	function say(id, text) {
		byId(id).textContent = text;
	}

	/* ---- the token ---- */

	function token() {
		try {
			return sessionStorage.getItem(TOKEN_KEY) || "";
		} catch (e) {
			return "";
		}
	}

	function tokenSay(text, bad) {
		say("token-msg", text);
		byId("token-msg").classList.toggle("error", bad);
		if (bad)
			byId("token").setAttribute("aria-invalid", "true");
		else
			byId("token").removeAttribute("aria-invalid");
	}

	function tokenIdle() {
		tokenSay(token() ?
			"A token is kept for this tab until you forget it " +
			"or close the tab." :
			"No token kept. Enter one if the server asks for it.",
			false);
	}

	/* The server said 401: ask for a token (unless a dialog holds the
	 * focus; its own message says the same). */
	function askForToken(reply) {
		tokenSay(explain(reply), true);
		if (!document.querySelector("dialog[open]"))
			byId("token").focus();
	}

	byId("token-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		const input = byId("token");
		const value = input.value.trim();

		if (!/^[\x21-\x7e]+$/.test(value)) {
			tokenSay("Enter the token you were given: one word, " +
				"starting with adt_.", true);
			input.focus();
			return;
		}
		try {
			sessionStorage.setItem(TOKEN_KEY, value);
		} catch (e) {
			tokenSay("This browser does not let the page keep a " +
				"token (storage is off).", true);
			return;
		}
		input.value = "";
		tokenSay("Token kept for this tab until you forget it or " +
			"close the tab.", false);
		route();
	});

	byId("token-forget").addEventListener("click", () => {
		try {
			sessionStorage.removeItem(TOKEN_KEY);
		} catch (e) {
			/* nothing was kept */
		}
		byId("token").value = "";
		tokenSay("Token forgotten: this tab keeps no token now.", false);
	});

	/* ---- talking to the API ---- */

	/* Resolves to {status, data, error}: status 0 when the server could
	 * not be reached; error is the server's message, or "". */
	async function api(method, path, body, key) {
		const headers = {Accept: "application/json"};
		const init = {method, headers, cache: "no-store",
			credentials: "omit", redirect: "error"};
		const t = token();
		let res, data = null;

		if (t)
			headers.Authorization = "Bearer " + t;
		if (key)
			headers["Idempotency-Key"] = key;
		if (body !== undefined) {
			headers["Content-Type"] = "application/json";
			init.body = JSON.stringify(body);
		}
		try {
			res = await fetch(path, init);
		} catch (e) {
			return {status: 0, data: null,
				error: "the server could not be reached"};
		}
		try {
			data = await res.json();
		} catch (e) {
			data = null;
		}
		if (res.ok)
			return {status: res.status, data, error: ""};

		const reply = {status: res.status, data,
			error: data && typeof data.error === "string" ?
				data.error : "HTTP status " + res.status,
			retry: res.headers.get("Retry-After")};
		if (res.status === 401 && t) {
			/* Sending a refused token again would only count
			 * against this address (429): forget it. */
			try {
				sessionStorage.removeItem(TOKEN_KEY);
			} catch (e) {
				/* nothing was kept */
			}
		}
		if (res.status === 401)
			askForToken(reply);
		return reply;
	}

	/* An Idempotency-Key per request: sending the same request again
	 * (after no reply, or a server error) reuses its key, so the server
	 * records it once; any other request gets a new one. */
	const pending = new WeakMap();

	function keyFor(form, what) {
		const p = pending.get(form);

		if (p && p.what === what)
			return p.key;
		const bytes = crypto.getRandomValues(new Uint8Array(16));
		const key = Array.from(bytes, (b) =>
			b.toString(16).padStart(2, "0")).join("");
		pending.set(form, {what, key});
		return key;
	}

	/* After a reply: keep the key only if the request may not have been
	 * recorded (no reply, or a server or proxy error). */
	function settle(form, r) {
		if (r.status !== 0 && r.status < 500)
			pending.delete(form);
	}

	/* What to show for a failed reply: the server's own message, with
	 * a plain sentence around it for the statuses about the token. */
	function explain(r) {
		switch (r.status) {
		case 0:
			return "The server could not be reached. Check that " +
				"assetd is running, then try again.";
		case 401:
			return "The server needs a valid token (401: " +
				r.error + "). Enter your token at the top of " +
				"the page.";
		case 403:
			return "Your token is not allowed to do this (403: " +
				r.error + "). Ask for a token with the issue " +
				"role.";
		case 429:
			return r.error + (r.retry ? " (in " + r.retry +
				" seconds)" : "");
		default:
			return r.error;
		}
	}

	/* Marks with aria-invalid every field of form whose name the
	 * server's message names ("Missing fields: employee_email,
	 * asset_type"), and returns the first. An empty message clears. */
	function markFields(form, message, errorId) {
		let first = null;

		for (const f of form.querySelectorAll("input, textarea")) {
			const named = message !== "" &&
				new RegExp("\\b" + f.name + "\\b").test(message);
			if (named) {
				f.setAttribute("aria-invalid", "true");
				f.setAttribute("aria-describedby", errorId);
				first = first || f;
			} else {
				f.removeAttribute("aria-invalid");
				f.removeAttribute("aria-describedby");
			}
		}
		return first;
	}

	/* What each form says when its POST got no reply: the server may
	 * have recorded it. Sending the same form again reuses its key
	 * (keyFor), so the server answers with the first reply instead of
	 * recording it twice; a changed form is a new request. A second
	 * return of an asset is refused (409) whatever its key. */
	const NO_REPLY = {
		"issue-form": "No reply came from the server: the asset " +
			"may already have been issued. Pressing Issue " +
			"asset again without changing anything is safe; " +
			"it cannot issue it twice. If you change the form " +
			"first, a new asset is issued.",
		"return-form": "No reply came from the server: the asset " +
			"may already have been returned. Pressing Return " +
			"again is safe; an asset cannot be returned twice.",
		"transfer-form": "No reply came from the server: the asset " +
			"may already have been transferred. Pressing " +
			"Transfer again without changing anything is safe; " +
			"it cannot transfer it twice. If you change the " +
			"form first, the asset is transferred again.",
	};

	/* Shows a failed reply in errorId and marks the fields it names;
	 * moves the focus to the first of them. */
	function showFailure(form, r, errorId) {
		say(errorId, r.status === 0 && NO_REPLY[form.id] ?
			NO_REPLY[form.id] : explain(r));
		const first = markFields(form, r.status === 400 ||
			r.status === 409 ? r.error : "", errorId);
		if (first)
			first.focus();
	}

	function values(form, names) {
		const out = {};
		for (const n of names)
			out[n] = form.elements[n].value;
		return out;
	}

	/* Runs submit(form) for each submit event, one at a time: a second
	 * Enter while a request is out is ignored, not sent twice. */
	function onSubmit(form, submit) {
		let busy = false;

		form.addEventListener("submit", async (ev) => {
			ev.preventDefault();
			if (busy)
				return;
			busy = true;
			form.setAttribute("aria-busy", "true");
			form.querySelector("button[type=submit]").disabled = true;
			try {
				await submit(form);
			} finally {
				busy = false;
				form.removeAttribute("aria-busy");
				form.querySelector("button[type=submit]")
					.disabled = false;
			}
		});
		/* A text area takes Enter as a line break: Ctrl+Enter sends. */
		form.addEventListener("keydown", (ev) => {
			if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) &&
			    ev.target.tagName === "TEXTAREA") {
				ev.preventDefault();
				form.requestSubmit();
			}
		});
		form.addEventListener("input", (ev) => {
			ev.target.removeAttribute("aria-invalid");
			ev.target.removeAttribute("aria-describedby");
		});
	}

	/* ---- issuing ---- */

	onSubmit(byId("issue-form"), async (form) => {
		const body = values(form, ["employee_name", "employee_email",
			"asset_type", "asset_model", "comments"]);

		say("issue-error", "");
		say("issue-done", "");
		const r = await api("POST", "/api/assets", body,
			keyFor(form, JSON.stringify(body)));
		settle(form, r);
		if (r.status !== 201) {
			showFailure(form, r, "issue-error");
			return;
		}
		form.reset();
		markFields(form, "", "");
		byId("issue-done").append(
			"Asset " + r.data.id + " issued to ",
			el("bdi", {}, body.employee_name.trim()), ". ",
			el("a", {href: "#/assets/" + r.data.id},
				"View asset " + r.data.id));
		loadList("");
	});

	/* ---- the list ---- */

	/* cursors[i] is the cursor of page i + 1 (null for the first). */
	const list = {cursors: [null], next: null, seq: 0};

	function actionButtons(a) {
		if (a.status !== "issued")
			return [];
		const ret = el("button", {type: "button", class: "secondary",
			"aria-label": "Return asset " + a.id}, "Return");
		const tra = el("button", {type: "button", class: "secondary",
			"aria-label": "Transfer asset " + a.id}, "Transfer");
		ret.addEventListener("click", () => openReturn(a));
		tra.addEventListener("click", () => openTransfer(a));
		return [ret, tra];
	}

	/* One element per cell, so that a cell is one item of the grid
	 * a narrow screen lays it out in. style.css names the cells by
	 * data-label: a card shows it, and only the cells of typed text
	 * (Holder, Type, Model, By, Comments) break a long word anywhere. */
	function holder(name, email) {
		return el("span", {}, name, el("br"),
			el("span", {class: "email"}, email));
	}

	function assetRow(a) {
		const status = a.status === "returned" ?
			el("span", {}, "returned", el("br"),
				when(a.returned_at)) :
			a.status;
		return el("tr", {"data-id": a.id},
			el("td", {"data-label": "Id"},
				el("a", {href: "#/assets/" + a.id,
					"aria-label": "Asset " + a.id},
					String(a.id))),
			el("td", {"data-label": "Status"}, status),
			el("td", {"data-label": "Holder"},
				holder(a.employee_name, a.employee_email)),
			el("td", {"data-label": "Type"}, a.asset_type),
			el("td", {"data-label": "Model"}, a.asset_model),
			el("td", {"data-label": "Issued"}, when(a.issued_at)),
			el("td", {"data-label": "Actions", class: "actions"},
				el("span", {}, ...actionButtons(a))));
	}

	function showRows(assets, empty) {
		const rows = assets.map(assetRow);
		if (rows.length === 0)
			rows.push(el("tr", {}, el("td", {colspan: 7,
				class: "empty"}, empty)));
		byId("asset-rows").replaceChildren(...rows);
	}

	/* Enables the paging buttons; keeps the focus on a button rather
	 * than letting it fall to the page when its button is disabled. */
	function updatePager() {
		const first = byId("first-page"), next = byId("next-page");
		const had = document.activeElement;

		first.disabled = list.cursors.length === 1;
		next.disabled = list.next === null;
		if (had === next && next.disabled)
			(first.disabled ? byId("list-h") : first).focus();
		else if (had === first && first.disabled)
			(next.disabled ? byId("list-h") : next).focus();
	}

	/* Loads the page of assets the filters and cursors name; note is
	 * said before the page's summary. */
	async function loadList(note) {
		const seq = ++list.seq;
		const form = byId("filter-form");
		const q = new URLSearchParams();
		const cursor = list.cursors[list.cursors.length - 1];

		for (const name of FILTERS) {
			const v = form.elements[name].value.trim();
			if (v !== "")
				q.set(name, v);
		}
		q.set("limit", String(PAGE_SIZE));
		if (cursor !== null)
			q.set("cursor", cursor);
		byId("assets").setAttribute("aria-busy", "true");
		say("list-msg", "Loading…");

		const r = await api("GET", "/api/assets?" + q);
		if (seq !== list.seq)
			return;	/* a newer load is on its way */
		byId("assets").removeAttribute("aria-busy");
		if (r.status !== 200) {
			say("list-error", explain(r));
			say("list-msg", note);
			list.next = null;
			showRows([], "No assets to show.");
			updatePager();
			return;
		}
		say("list-error", "");
		list.next = r.data.next_cursor;
		showRows(r.data.assets, list.cursors.length === 1 ?
			"No assets match." : "No more assets.");
		say("list-msg", (note ? note + " " : "") + summary(
			r.data.assets.length));
		updatePager();
	}

	function summary(n) {
		const page = list.cursors.length;
		if (n === 0)
			return "Page " + page + ": no assets.";
		return "Page " + page + ": " + n + (n === 1 ? " asset" :
			" assets") + ", newest first" + (list.next === null ?
			"; this is the last page." : ".");
	}

	onSubmit(byId("filter-form"), async () => {
		list.cursors = [null];
		await loadList("");
	});

	byId("filter-form").addEventListener("reset", () => {
		list.cursors = [null];
		/* The fields are cleared after this event. */
		setTimeout(() => loadList(""), 0);
	});

	byId("next-page").addEventListener("click", () => {
		if (list.next === null)
			return;
		list.cursors.push(list.next);
		loadList("");
	});

	byId("first-page").addEventListener("click", () => {
		list.cursors = [null];
		loadList("");
	});

	/* ---- return and transfer ---- */

	let target = null;	/* the asset an open dialog acts on */

	function openDialog(name, a) {
		const form = byId(name + "-form");

		target = a;
		form.reset();
		markFields(form, "", "");
		say(name + "-error", "");
		say(name + "-h", (name === "return" ? "Return asset " :
			"Transfer asset ") + a.id);
		byId(name + "-from").replaceChildren(
			el("bdi", {}, a.asset_type), " ",
			el("bdi", {}, a.asset_model), ", held by ",
			el("bdi", {}, a.employee_name), " (",
			el("bdi", {}, a.employee_email), ").");
		byId(name + "-dialog").showModal();
	}

	function openReturn(a) {
		openDialog("return", a);
	}

	function openTransfer(a) {
		openDialog("transfer", a);
	}

	for (const d of document.querySelectorAll("dialog"))
		d.querySelector(".cancel").addEventListener("click",
			() => d.close());

	/* After a return or transfer: show the new state where the user
	 * is, and put the focus back on the asset. */
	async function changed(a, note) {
		if (!byId("view").hidden) {
			showAsset(a);
			say("view-msg", note);
			byId("view-h").focus();
			return;
		}
		await loadList(note);
		const link = byId("asset-rows").querySelector(
			"tr[data-id=\"" + a.id + "\"] a");
		(link || byId("list-h")).focus();
	}

	/* Whether the dialog still shows asset a (it may have been closed
	 * and opened for another while a's request was out). */
	function still(name, a) {
		return target === a && byId(name + "-dialog").open;
	}

	/* The return and transfer dialogs: POST the form's fields to the
	 * asset's action, then close the dialog and say what changed. */
	function dialogAction(name, fields, said) {
		onSubmit(byId(name + "-form"), async (form) => {
			const a = target;
			const body = values(form, fields);
			const path = "/api/assets/" + a.id + "/" + name;
			const r = await api("POST", path, body,
				keyFor(form, path + JSON.stringify(body)));
			settle(form, r);
			if (r.status !== 200) {
				if (still(name, a))
					showFailure(form, r, name + "-error");
				return;
			}
			if (still(name, a))
				byId(name + "-dialog").close();
			await changed(r.data, said(a, r.data));
		});
	}

	dialogAction("return", ["comments"],
		(a) => "Asset " + a.id + " returned.");
	dialogAction("transfer", ["employee_name", "employee_email",
		"comments"], (a, state) => "Asset " + a.id +
		" transferred to " + state.employee_name + ".");

	/* ---- one asset ---- */

	function showAsset(a) {
		const state = [
			["Status", a.status], ["Holder", a.employee_name],
			["Holder's email", a.employee_email],
			["Type", a.asset_type], ["Model", a.asset_model],
			["Comments when issued", a.comments || "none"],
			["Issued (UTC)", when(a.issued_at)],
			["Returned (UTC)", a.returned_at ?
				when(a.returned_at) : "not returned"]];

		byId("view-h").replaceChildren("Asset " + a.id + ": ",
			el("bdi", {}, a.asset_type), " ",
			el("bdi", {}, a.asset_model));
		byId("view-state").replaceChildren(...state.flatMap(
			([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
		byId("view-actions").replaceChildren(...actionButtons(a));

		/* A return names no holder: it is the one before. */
		let name = "", email = "";
		byId("history-rows").replaceChildren(...a.history.map((e) => {
			if (typeof e.employee_email === "string") {
				name = e.employee_name;
				email = e.employee_email;
			}
			return el("tr", {},
				el("td", {"data-label": "Event"}, e.event),
				el("td", {"data-label": "Time"}, when(e.at)),
				el("td", {"data-label": "By"}, e.by || "—"),
				el("td", {"data-label": "Holder"},
					holder(name, email)),
				el("td", {"data-label": "Comments"},
					e.comments || ""));
		}));
	}

	let viewSeq = 0;	/* the newest asset view asked for */

	async function loadAsset(id) {
		const seq = ++viewSeq;

		say("view-h", "Asset " + id);
		say("view-error", "");
		say("view-msg", "Loading…");
		byId("view-state").replaceChildren();
		byId("view-actions").replaceChildren();
		byId("history-rows").replaceChildren();

		const r = await api("GET", "/api/assets/" +
			encodeURIComponent(id));
		if (seq !== viewSeq)
			return; /* another asset was asked for meanwhile */
		say("view-msg", "");
		if (r.status !== 200) {
			say("view-error", explain(r));
			return;
		}
		showAsset(r.data);
	}

	/* ---- routes ---- */

	function route() {
		const m = /^#\/assets\/([^/]+)$/.exec(location.hash);
		const wasView = !byId("view").hidden;

		byId("home").hidden = m !== null;
		byId("view").hidden = m === null;
		if (m) {
			let id = m[1];
			try {
				id = decodeURIComponent(id);
			} catch (e) {
				/* shown as sent; the server says what is wrong */
			}
			byId("view-h").focus();
			loadAsset(id);
			return;
		}
		if (wasView)
			byId("list-h").focus();
		loadList("");
	}

	window.addEventListener("hashchange", route);
	tokenIdle();
	route();
}());
