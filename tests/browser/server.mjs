// SPDX-License-Identifier: MIT
//
// Starts the real assetd for the browser tests, and Debian's Chromium.
//
// Every server listens on 127.0.0.1 port 0 (the kernel picks a free
// port, read from the server's "listening on" line) with a temporary
// data directory, removed when it stops. The browser may load the
// server's own origin only: any other request is failed before it
// leaves, and host names do not resolve at all.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TOP = path.resolve(HERE, "..", "..");
export const BIN = process.env.ASSETD_BIN ||
	path.join(TOP, "build", "assetd");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export const GOOD = {
	employee_name: "Ada Lovelace",
	employee_email: "ada@example.com",
	asset_type: "laptop",
	asset_model: "ThinkPad X1",
};

export class Server {
	// roles: token roles to make ("read", "issue", ...) before the
	// start; none means a server without a tokens file (open API).
	constructor(roles = []) {
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(),
			"assetd-browser-"));
		this.dataDir = path.join(this.dir, "data");
		fs.mkdirSync(this.dataDir);
		this.tokens = {};
		this.args = ["--listen", "127.0.0.1:0",
			"--data-dir", this.dataDir];
		if (roles.length > 0) {
			const conf = path.join(this.dir, "assetd.conf");
			fs.writeFileSync(conf, "tokens_file = " +
				path.join(this.dir, "tokens") + "\n");
			try {
				for (const role of roles)
					this.tokens[role] = this.addToken(conf, role);
			} catch (e) {
				fs.rmSync(this.dir, {recursive: true, force: true});
				throw e;
			}
			this.args.push("-c", conf);
		}
		this.stderr = "";
	}

	// `assetd token add ROLE-1 ROLE`: returns the token it prints.
	addToken(conf, role) {
		return execFileSync(BIN, ["-c", conf, "token", "add",
			role + "-1", role], {encoding: "utf8",
			stdio: ["ignore", "pipe", "ignore"]}).trim();
	}

	start() {
		this.proc = spawn(BIN, this.args,
			{stdio: ["ignore", "ignore", "pipe"]});
		this.exited = new Promise((resolve) =>
			this.proc.on("exit", (code, sig) => resolve({code, sig})));
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(
				"assetd did not start:\n" + this.stderr)), 10000);
			this.proc.stderr.setEncoding("utf8");
			this.proc.stderr.on("data", (s) => {
				this.stderr += s;
				const m = /listening on 127\.0\.0\.1:(\d+)/.exec(
					this.stderr);
				if (m && !this.origin) {
					this.origin = "http://127.0.0.1:" + m[1];
					clearTimeout(timer);
					resolve(this);
				}
			});
			this.proc.on("error", reject);
			this.exited.then(() => reject(new Error(
				"assetd exited:\n" + this.stderr)));
		});
	}

	// Stops the server (SIGTERM), removes its directory, and fails
	// unless it exited 0. Safe to call when start() failed.
	async stop() {
		let code = 0;
		if (this.proc && this.proc.pid !== undefined) {
			if (this.proc.exitCode === null &&
			    this.proc.signalCode === null)
				this.proc.kill("SIGTERM");
			({code} = await this.exited);
		}
		fs.rmSync(this.dir, {recursive: true, force: true});
		if (code !== 0)
			throw new Error("assetd exited " + code + ":\n" +
				this.stderr);
	}

	// Each line of assets.jsonl, parsed.
	events() {
		const file = path.join(this.dataDir, "assets.jsonl");
		if (!fs.existsSync(file))
			return [];
		return fs.readFileSync(file, "utf8").split("\n")
			.filter((l) => l !== "").map((l) => JSON.parse(l));
	}

	// A request straight to the API on a connection of its own, closed
	// after the reply (an idle keep-alive connection would hold up the
	// server's stop); resolves to {status, body}.
	request(method, urlPath, body, token) {
		const headers = {Connection: "close"};
		const data = body === undefined ? "" : JSON.stringify(body);
		if (token)
			headers.Authorization = "Bearer " + token;
		if (method === "POST")
			headers["Content-Length"] = Buffer.byteLength(data);
		return new Promise((resolve, reject) => {
			const req = http.request(this.origin + urlPath,
				{method, headers, agent: false}, (res) => {
					let text = "";
					res.setEncoding("utf8");
					res.on("data", (s) => { text += s; });
					res.on("end", () => resolve({
						status: res.statusCode,
						body: JSON.parse(text)}));
				});
			req.on("error", reject);
			req.end(data);
		});
	}

	async issue(fields, token) {
		const r = await this.request("POST", "/api/assets",
			{...GOOD, ...fields}, token);
		if (r.status !== 201)
			throw new Error("issue: " + JSON.stringify(r));
		return r.body.id;
	}
}

export async function launch() {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ["--no-proxy-server",
			"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
	});
}

// Records what the page reports: console messages, uncaught errors,
// Content-Security-Policy violations, and requests to any origin other
// than the server's (which are failed, never sent).
export async function watch(context, origin) {
	const seen = {console: [], errors: [], csp: [], foreign: []};

	await context.route("**/*", (route) => {
		const url = route.request().url();
		if (new URL(url).origin === origin)
			return route.continue();
		seen.foreign.push(url);
		return route.abort("blockedbyclient");
	});
	await context.addInitScript(() => {
		window.__csp = [];
		document.addEventListener("securitypolicyviolation", (e) =>
			window.__csp.push(e.violatedDirective + " " +
				e.blockedURI));
	});
	context.on("page", (page) => {
		page.on("console", (m) => seen.console.push(
			m.type() + ": " + m.text()));
		page.on("pageerror", (e) => seen.errors.push(String(e)));
	});
	return seen;
}
