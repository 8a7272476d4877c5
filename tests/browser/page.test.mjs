// SPDX-License-Identifier: MIT
//
// The helpdesk page (web/) in headless Chromium against the real assetd:
// each test starts its own server (tests/browser/server.mjs) and a fresh
// browser context, and ends by checking that the page logged nothing it
// should not have, broke no Content-Security-Policy rule and asked for
// nothing outside its own server.
//
// ASSETD_SCREENSHOTS=DIR saves desktop.png and phone.png there
// (tests/browser/run --screenshots: docs/screenshots).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { GOOD, Server, launch, watch } from "./server.mjs";

const DESKTOP = {width: 1280, height: 800};
const PHONE = {width: 400, height: 800};

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// A server (with tokens for roles, if any) and a page on it, both closed
// when test t ends.
async function open(t, {roles = [], viewport = DESKTOP} = {}) {
	const server = new Server(roles);
	let context = null;

	t.after(async () => {
		if (context)
			await context.close();
		await server.stop();
	});
	await server.start();
	context = await browser.newContext({viewport});
	const seen = await watch(context, server.origin);
	const page = await context.newPage();
	await page.goto(server.origin + "/");
	return {server, page, seen};
}

// Fails on any page error, CSP violation, request to another origin, or
// console message other than Chromium's note of an API reply with one
// of the statuses the test expects.
async function clean({page, seen}, statuses = []) {
	const note = new RegExp("^error: Failed to load resource: the " +
		"server responded with a status of (\\d+) ");
	const expected = (m) => {
		const s = note.exec(m);
		return s !== null && statuses.includes(Number(s[1]));
	};
	assert.deepEqual(seen.errors, [], "page errors");
	assert.deepEqual(seen.foreign, [], "requests to other origins");
	assert.deepEqual(await page.evaluate(() => window.__csp), [],
		"CSP violations");
	assert.deepEqual(seen.console.filter((m) => !expected(m)), [],
		"console messages");
}

// Waits until the element's text contains (or, with exact, is) want.
async function text(page, selector, want, exact = false) {
	try {
		await page.waitForFunction(([sel, w, ex]) => {
			const e = document.querySelector(sel);
			return e !== null && (ex ? e.textContent === w :
				e.textContent.includes(w));
		}, [selector, want, exact], {timeout: 5000});
	} catch (e) {
		const got = await page.locator(selector).first().textContent()
			.catch(() => null);
		assert.fail(selector + ": wanted " + JSON.stringify(want) +
			", got " + JSON.stringify(got));
	}
}

// The ids of the rows in the list, in order.
async function rowIds(page) {
	return page.$$eval("#asset-rows tr[data-id]",
		(rows) => rows.map((r) => Number(r.dataset.id)));
}

async function invalid(page) {
	return page.$$eval("[aria-invalid=true]", (es) => es.map((e) => e.id));
}

// Waits for the list to show a page (its summary starts "Page N:").
async function listed(page, n) {
	await text(page, "#list-msg", "Page " + n + ":");
}

async function fillIssue(page, fields) {
	for (const [label, value] of Object.entries(fields))
		await page.locator("#issue-form").getByLabel(label,
			{exact: true}).fill(value);
}

test("issuing through the form writes the asset's line to the log",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await listed(page, 1);

	await fillIssue(page, {"Employee name": "Zoë Ünal",
		"Employee email": "zoe@example.com", "Asset type": "laptop",
		"Asset model": "ThinkPad X1", "Comments (optional)": "with dock"});
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-done", "Asset 1 issued to Zoë Ünal.");
	assert.equal(await page.getByRole("link", {name: "View asset 1"})
		.getAttribute("href"), "#/assets/1");

	const events = server.events();
	assert.equal(events.length, 1);
	assert.match(events[0].idempotency_key, /^[0-9a-f]{32}$/);
	assert.deepEqual({...events[0], at: "", seq: 0, chain: "",
		idempotency_key: ""},
		{id: 1, event: "issued", at: "", idempotency_key: "",
		 employee_name: "Zoë Ünal",
		 employee_email: "zoe@example.com", asset_type: "laptop",
		 asset_model: "ThinkPad X1", comments: "with dock", seq: 0,
		 chain: ""});
	await page.waitForSelector("#asset-rows tr[data-id='1']");
	assert.equal(await page.inputValue("#employee_name"), "",
		"the form is cleared for the next asset");
	await clean(env);
});

test("a lost reply and a second click make one record, not two",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await listed(page, 1);

	/* The first POST reaches the server, but its reply never reaches
	 * the page, as when a proxy drops the connection. */
	await page.route("**/api/assets", async (route) => {
		await route.fetch();
		await route.abort("connectionreset");
	}, {times: 1});
	await fillIssue(page, {"Employee name": "Lost Reply",
		"Employee email": "lost@example.com", "Asset type": "phone",
		"Asset model": "Pixel 9"});
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-error", "No reply came from the server: " +
		"the asset may already have been issued. Pressing Issue " +
		"asset again without changing anything is safe; it cannot " +
		"issue it twice. If you change the form first, a new asset " +
		"is issued.", true);
	assert.equal(server.events().length, 1, "the first POST was written");

	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-done", "Asset 1 issued to Lost Reply.");
	const events = server.events();
	assert.equal(events.length, 1, "the second click wrote nothing");
	assert.match(events[0].idempotency_key, /^[0-9a-f]{32}$/);
	/* Chromium logs the reset it was made to see; nothing else. */
	const reset = (m) => m.includes("net::ERR_CONNECTION_RESET");
	const {console: logged} = env.seen;
	assert.equal(logged.filter(reset).length, 1);
	logged.splice(0, logged.length, ...logged.filter((m) => !reset(m)));
	await clean(env);
});

test("the server's message names the fields at fault, which are marked",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await listed(page, 1);

	await fillIssue(page, {"Employee name": "Ada Lovelace",
		"Asset model": "ThinkPad X1"});
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-error",
		"Missing fields: employee_email, asset_type", true);
	assert.deepEqual(await invalid(page), ["employee_email",
		"asset_type"]);
	assert.equal(await page.getAttribute("#employee_email",
		"aria-describedby"), "issue-error");
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"employee_email", "the focus goes to the first field at fault");

	await fillIssue(page, {"Employee email": "ada@", "Asset type":
		"laptop"});
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-error", "employee_email must be an " +
		"address like name@example.com", true);
	assert.deepEqual(await invalid(page), ["employee_email"]);
	assert.deepEqual(server.events(), []);

	await fillIssue(page, {"Employee email": "ada@example.com"});
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-done", "Asset 1 issued");
	assert.equal(await page.textContent("#issue-error"), "");
	assert.deepEqual(await invalid(page), []);
	await clean(env, [400]);
});

test("the keyboard alone reaches the form in order and issues assets",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await listed(page, 1);
	const focused = () => page.evaluate(() => {
		const e = document.activeElement;
		return [e.id || e.textContent.trim(),
			getComputedStyle(e).outlineStyle];
	});

	const order = [];
	for (let i = 0; i < 5; i++) {
		await page.keyboard.press("Tab");
		order.push(await focused());
	}
	assert.deepEqual(order, [["token", "solid"], ["Use token", "solid"],
		["token-forget", "solid"], ["employee_name", "solid"],
		["employee_email", "solid"]]);

	// Into the name field, then type and Tab through to the button.
	await page.keyboard.press("Shift+Tab");
	await page.keyboard.type("Grace Hopper");
	await page.keyboard.press("Tab");
	await page.keyboard.type("grace@example.com");
	await page.keyboard.press("Tab");
	await page.keyboard.type("phone");
	await page.keyboard.press("Tab");
	await page.keyboard.type("Pixel 9");
	await page.keyboard.press("Tab");
	await page.keyboard.type("first line");
	await page.keyboard.press("Tab");
	assert.deepEqual(await focused(), ["Issue asset", "solid"]);
	await page.keyboard.press("Enter");
	await text(page, "#issue-done", "Asset 1 issued to Grace Hopper.");

	// Enter in a one-line field sends the form too.
	await page.focus("#employee_name");
	await page.keyboard.type("Alan Turing");
	for (const value of ["alan@example.com", "laptop", "T14"]) {
		await page.keyboard.press("Tab");
		await page.keyboard.type(value);
	}
	await page.keyboard.press("Enter");
	await text(page, "#issue-done", "Asset 2 issued to Alan Turing.");

	// In the comments, Enter is a line break and Ctrl+Enter sends.
	await page.focus("#employee_name");
	await page.keyboard.type("Édith Piaf");
	for (const value of ["edith@exämple.fr", "phone", "3310"]) {
		await page.keyboard.press("Tab");
		await page.keyboard.type(value);
	}
	await page.keyboard.press("Tab");
	await page.keyboard.type("line 1");
	await page.keyboard.press("Enter");
	await page.keyboard.type("line 2");
	await page.keyboard.press("Control+Enter");
	await text(page, "#issue-done", "Asset 3 issued to Édith Piaf.");

	const events = server.events();
	assert.deepEqual(events.map((e) => [e.id, e.employee_email,
		e.asset_model, e.comments]),
		[[1, "grace@example.com", "Pixel 9", "first line"],
		 [2, "alan@example.com", "T14", ""],
		 [3, "edith@exämple.fr", "3310", "line 1\nline 2"]]);
	await clean(env);
});

test("the filters narrow the list as the API does", async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await server.issue({});
	await server.issue({employee_name: "Bob Byte",
		employee_email: "bob@example.com", asset_type: "phone",
		asset_model: "Pixel 9"});
	await server.issue({employee_name: "Carol Code",
		employee_email: "carol@example.com", asset_model: "Latitude",
		comments: "spare charger"});
	await server.request("POST", "/api/assets/1/return", {});
	await page.reload();
	await listed(page, 1);
	assert.deepEqual(await rowIds(page), [3, 2, 1]);

	const search = async (fields, ids) => {
		await page.getByRole("button", {name: "Clear"}).click();
		await listed(page, 1);
		for (const [label, value] of Object.entries(fields)) {
			const field = page.getByLabel(label, {exact: true});
			if (label === "Status")
				await field.selectOption(value);
			else
				await field.fill(value);
		}
		await page.evaluate(() => { document.getElementById(
			"list-msg").textContent = ""; });
		await page.getByRole("button", {name: "Search"}).click();
		await listed(page, 1);
		assert.deepEqual(await rowIds(page), ids,
			JSON.stringify(fields));
	};
	await search({"Holder's email": "BOB@example.com"}, [2]);
	await search({"Type": "laptop"}, [3, 1]);
	await search({"Status": "returned"}, [1]);
	await search({"Status": "issued", "Type": "LAPTOP"}, [3]);
	await search({"Text (name, email, model, comments)": "charger"}, [3]);
	await search({"Text (name, email, model, comments)": "nobody"}, []);
	await text(page, "#asset-rows", "No assets match.");
	await clean(env);
});

test("Next page walks through 65 assets and First page starts again",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	for (let i = 1; i <= 65; i++)
		await server.issue({asset_model: "Model " + i});
	await page.reload();
	await listed(page, 1);
	const next = page.getByRole("button", {name: "Next page"});
	const first = page.getByRole("button", {name: "First page"});
	assert.equal(await first.isDisabled(), true);

	const seen = [];
	for (let n = 1; ; n++) {
		await listed(page, n);
		const ids = await rowIds(page);
		seen.push(...ids);
		if (await next.isDisabled()) {
			assert.equal(n, 4);
			assert.equal(ids.length, 5);
			await text(page, "#list-msg", "this is the last page");
			break;
		}
		assert.equal(ids.length, 20);
		await next.click();
	}
	assert.deepEqual(seen, Array.from({length: 65}, (_, i) => 65 - i));
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"first-page", "the focus stays on a paging button");

	await first.click();
	await listed(page, 1);
	assert.deepEqual((await rowIds(page)).slice(0, 2), [65, 64]);
	assert.equal(await first.isDisabled(), true);
	await clean(env);
});

test("Return asks for comments in a dialog and writes a returned event",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await server.issue({});
	await server.issue({employee_email: "bea@example.com"});
	await page.reload();
	await listed(page, 1);

	await page.getByRole("button", {name: "Return asset 2"}).click();
	const dialog = page.getByRole("dialog", {name: "Return asset 2"});
	await dialog.waitFor();
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"r-comments");
	await page.keyboard.press("Escape");
	await dialog.waitFor({state: "hidden"});
	assert.equal(server.events().length, 2, "Escape returns nothing");

	await page.getByRole("button", {name: "Return asset 2"}).click();
	await dialog.waitFor();
	await page.keyboard.type("screen cracked");
	await page.keyboard.press("Enter");
	await dialog.waitFor({state: "hidden"});
	await text(page, "#list-msg", "Asset 2 returned. Page 1:");
	await text(page, "#asset-rows tr[data-id='2']", "returned");
	assert.equal(await page.getByRole("button",
		{name: "Return asset 2"}).count(), 0);
	assert.equal(await page.evaluate(() =>
		document.activeElement.closest("tr").dataset.id), "2");

	const last = server.events().at(-1);
	assert.deepEqual([last.id, last.event, last.comments],
		[2, "returned", "screen cracked"]);

	// Returned meanwhile by someone else: the server's 409 is shown.
	await server.request("POST", "/api/assets/1/return", {});
	await page.getByRole("button", {name: "Return asset 1"}).click();
	await page.keyboard.press("Enter");
	await text(page, "#return-error", "asset 1 was already returned",
		true);
	await page.getByRole("button", {name: "Cancel"}).click();
	await clean(env, [409]);
});

test("Transfer asks for the new holder in a dialog, by keyboard",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await server.issue({});
	await page.reload();
	await listed(page, 1);

	await page.getByRole("button", {name: "Transfer asset 1"}).focus();
	await page.keyboard.press("Enter");
	const dialog = page.getByRole("dialog", {name: "Transfer asset 1"});
	await dialog.waitFor();
	await text(page, "#transfer-from",
		"laptop ThinkPad X1, held by Ada Lovelace (ada@example.com).");
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"t-name");
	await page.keyboard.type("Bob Byte");
	await page.keyboard.press("Enter");
	await text(page, "#transfer-error", "Missing fields: employee_email",
		true);
	assert.deepEqual(await invalid(page), ["t-email"]);
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"t-email");

	await page.keyboard.type("bob@example.com");
	await page.keyboard.press("Tab");
	await page.keyboard.type("desk 4");
	await page.keyboard.press("Enter");
	await dialog.waitFor({state: "hidden"});
	await text(page, "#list-msg",
		"Asset 1 transferred to Bob Byte. Page 1:");
	await text(page, "#asset-rows tr[data-id='1']", "bob@example.com");

	const last = server.events().at(-1);
	assert.deepEqual(last.event, "transferred");
	assert.deepEqual([last.id, last.employee_name, last.employee_email,
		last.comments], [1, "Bob Byte", "bob@example.com", "desk 4"]);
	await clean(env, [400]);
});

test("the asset view shows the state and every event of the history",
	async (t) => {
	const env = await open(t, {roles: ["issue"]});
	const {page, server} = env;
	const tok = server.tokens.issue;
	await server.issue({comments: "with dock"}, tok);
	await server.request("POST", "/api/assets/1/transfer", {
		employee_name: "Bob Byte", employee_email: "bob@example.com",
		comments: "moved desks"}, tok);
	await server.request("POST", "/api/assets/1/return",
		{comments: "left"}, tok);

	await page.getByLabel("Access token").fill(tok);
	await page.keyboard.press("Enter");
	await listed(page, 1);
	await page.getByRole("link", {name: "Asset 1", exact: true}).click();
	await text(page, "#view-h", "Asset 1: laptop ThinkPad X1", true);
	assert.equal(page.url(), server.origin + "/#/assets/1");
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"view-h");
	assert.equal(await page.isVisible("#issue-form"), false,
		"the view is shown alone");

	const state = await page.$$eval("#view-state > *",
		(es) => es.map((e) => e.textContent));
	const at = server.events().map((e) => e.at.replace("T", " ")
		.replace("Z", ""));
	assert.deepEqual(state, ["Status", "returned", "Holder", "Bob Byte",
		"Holder's email", "bob@example.com", "Type", "laptop", "Model",
		"ThinkPad X1", "Comments when issued", "with dock",
		"Issued (UTC)", at[0], "Returned (UTC)", at[2]]);
	const history = await page.$$eval("#history-rows tr", (rows) =>
		rows.map((r) => [...r.cells].map((c) => c.innerText)));
	assert.deepEqual(history, [
		["issued", at[0], "issue-1", "Ada Lovelace\nada@example.com",
		 "with dock"],
		["transferred", at[1], "issue-1",
		 "Bob Byte\nbob@example.com", "moved desks"],
		["returned", at[2], "issue-1", "Bob Byte\nbob@example.com",
		 "left"]]);
	assert.equal(await page.locator("#view-actions button").count(), 0);

	await page.getByRole("link", {name: "Back to the list"}).click();
	await listed(page, 1);
	assert.equal(await page.isVisible("#view"), false);
	assert.equal(await page.isVisible("#issue-form"), true);

	await page.goto(server.origin + "/#/assets/99");
	await text(page, "#view-error", "no asset with id 99", true);
	await clean(env, [401, 404]);
});

test("a token is asked for, kept for the tab only, and 401 and 403 " +
	"are explained", async (t) => {
	const env = await open(t, {roles: ["read", "issue"]});
	const {page, server} = env;
	const field = page.getByLabel("Access token");

	await text(page, "#list-error", "(401: a bearer token is required)");
	await text(page, "#token-msg", "(401: a bearer token is required)");
	assert.equal(await page.evaluate(() => document.activeElement.id),
		"token", "the page asks for the token");

	await field.fill("adt_" + "0".repeat(64));
	await field.press("Enter");
	await text(page, "#list-error", "The server needs a valid token " +
		"(401: unknown token).");
	await text(page, "#token-msg", "(401: unknown token)");
	assert.equal(await field.getAttribute("aria-invalid"), "true");
	assert.equal(await page.evaluate(() =>
		sessionStorage.getItem("assetd-token")), null,
		"a token the server refuses is forgotten, not sent again");

	await field.fill(server.tokens.read);
	await field.press("Enter");
	await listed(page, 1);
	assert.equal(await page.textContent("#list-error"), "");
	assert.equal(await field.inputValue(), "",
		"the field does not keep showing the token");
	assert.deepEqual(await page.evaluate(() => [
		sessionStorage.getItem("assetd-token"), localStorage.length,
		document.cookie]), [server.tokens.read, 0, ""]);

	await fillIssue(page, {"Employee name": "Ada Lovelace",
		"Employee email": "ada@example.com", "Asset type": "laptop",
		"Asset model": "ThinkPad X1"});
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-error", "Your token is not allowed to do " +
		"this (403: this token may only read).");
	assert.deepEqual(server.events(), []);

	await field.fill(server.tokens.issue);
	await field.press("Enter");
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-done", "Asset 1 issued");
	assert.equal(server.events()[0].by, "issue-1");

	// Another tab has its own sessionStorage: it is asked again.
	const other = await page.context().newPage();
	await other.goto(server.origin + "/");
	await text(other, "#list-error", "(401: a bearer token is required)");
	await other.close();

	await page.getByRole("button", {name: "Forget token"}).click();
	await text(page, "#token-msg", "Token forgotten");
	assert.equal(await page.evaluate(() =>
		sessionStorage.getItem("assetd-token")), null);
	await page.reload();
	await text(page, "#list-error", "(401: a bearer token is required)");
	await clean(env, [401, 403]);
});

test("nothing above the list moves while a page of assets loads",
	async (t) => {
	const env = await open(t);
	const {page, server} = env;
	await server.issue({});
	await listed(page, 1);
	let release;
	const held = new Promise((resolve) => { release = resolve; });
	await page.route((url) => url.pathname === "/api/assets",
		async (route) => {
		await held;
		await route.continue();
	});
	const box = () => page.evaluate(() => {
		const r = (id) => document.getElementById(id)
			.getBoundingClientRect().top;
		return [r("list-msg"), r("assets"), r("issue-h")];
	});
	await page.getByRole("button", {name: "Search"}).click();
	await text(page, "#list-msg", "Loading…", true);
	const loading = await box();
	release();
	await listed(page, 1);
	assert.deepEqual(await box(), loading);
	await clean(env);
});

test("at 400 px wide nothing overflows; desktop and phone screenshots",
	async (t) => {
	const env = await open(t, {viewport: PHONE});
	const {page, server} = env;
	const people = [
		["Ada Lovelace", "ada@example.com", "laptop", "ThinkPad X1"],
		["Grace Hopper", "grace.hopper@navy.example.org", "phone",
		 "Pixel 9"],
		["Alan Turing", "alan@example.com", "monitor", "Dell U2723QE"],
		["Katherine Johnson", "katherine@example.com", "laptop",
		 "MacBook Air 13"],
		["Zoë Ünal", "zoe@example.com", "headset", "Jabra Evolve2 65"],
		["Margaret Hamilton-With-A-Very-Long-Name",
		 "margaret.hamilton.with.a.very.long.address@example.com",
		 "tablet", "iPad"],
	];
	for (const [name, email, type, model] of people)
		await server.issue({employee_name: name, employee_email: email,
			asset_type: type, asset_model: model,
			comments: type === "laptop" ? "with dock and charger" : ""});
	await server.request("POST", "/api/assets/3/return", {});
	await server.request("POST", "/api/assets/2/transfer", {
		employee_name: "Mary Jackson",
		employee_email: "mary@example.com"});
	await page.reload();
	await listed(page, 1);

	const width = () => page.evaluate(() =>
		document.documentElement.scrollWidth);
	assert.ok(await width() <= 400, "list: " + await width());
	await page.getByRole("button", {name: "Issue asset"}).click();
	await text(page, "#issue-error", "Missing fields:");
	assert.ok(await width() <= 400, "error: " + await width());

	const dir = process.env.ASSETD_SCREENSHOTS ||
		fs.mkdtempSync(path.join(os.tmpdir(), "assetd-shots-"));
	fs.mkdirSync(dir, {recursive: true});
	t.after(() => {
		if (!process.env.ASSETD_SCREENSHOTS)
			fs.rmSync(dir, {recursive: true, force: true});
	});
	await page.reload();
	await listed(page, 1);
	await page.screenshot({path: path.join(dir, "phone.png"),
		fullPage: true});

	await page.getByRole("button", {name: "Transfer asset 6"}).click();
	assert.ok(await width() <= 400, "dialog: " + await width());
	await page.keyboard.press("Escape");
	await page.goto(server.origin + "/#/assets/2");
	await text(page, "#view-h", "Asset 2:");
	await page.waitForSelector("#history-rows tr");
	assert.ok(await width() <= 400, "asset view: " + await width());

	await page.setViewportSize(DESKTOP);
	await page.goto(server.origin + "/#/");
	await listed(page, 1);
	assert.ok(await width() <= DESKTOP.width, "desktop: " + await width());
	assert.ok(await page.$eval(".table-box", (e) =>
		e.scrollWidth <= e.clientWidth), "the table fits its box");
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({path: path.join(dir, "desktop.png")});

	/* One long word (no spaces) wraps instead of widening the page,
	 * in the list and in the asset view, on a phone and a desktop. */
	const long = await server.issue({asset_type: "T".repeat(100),
		asset_model: "M".repeat(200)});
	for (const size of [PHONE, DESKTOP]) {
		await page.setViewportSize(size);
		await page.goto(server.origin + "/#/");
		await listed(page, 1);
		assert.ok(await width() <= size.width, "list: " + await width());
		await page.goto(server.origin + "/#/assets/" + long);
		await page.waitForSelector("#history-rows tr");
		assert.ok(await width() <= size.width, "view: " + await width());
	}
	await clean(env, [400]);
});

test("at 1280 px a long name and email wrap; Return stays in view",
	async (t) => {
	const env = await open(t, {viewport: DESKTOP});
	const {page, server} = env;
	/* One word each, as long as the API takes, with nothing to break
	 * at: a 200-character name and a 200-character email. */
	const id = await server.issue({employee_name: "x".repeat(200),
		employee_email: "y".repeat(188) + "@example.com"});
	await page.reload();
	await listed(page, 1);

	assert.ok(await page.evaluate(() =>
		document.documentElement.scrollWidth) <= DESKTOP.width,
		"the page is no wider than the window");
	const ret = page.getByRole("button", {name: "Return asset " + id});
	const box = await ret.boundingBox();
	assert.ok(box !== null && box.x >= 0 &&
		box.x + box.width <= DESKTOP.width,
		"Return is in the window: " + JSON.stringify(box));
	await clean(env);
});
