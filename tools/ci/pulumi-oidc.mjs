#!/usr/bin/env node
// Runs one Pulumi CLI command with a Pulumi access token that exists only in that command's
// environment: exchanges this job's GitHub OIDC token for a short-lived Pulumi team token
// (the exchange pulumi/auth-actions makes: audience urn:pulumi:org:<org>, RFC 8693 token
// exchange at <api>/api/oauth/token), masks it, hands it to `pulumi` as PULUMI_ACCESS_TOKEN,
// and removes the credentials file the CLI may write under PULUMI_HOME. Replaces
// pulumi/auth-actions, whose v2.1.0 exports the token to every later step whatever
// `export-environment-variables` says (src/main.ts: `getBooleanInput(...) || true`).
//
//   node tools/ci/pulumi-oidc.mjs --org ORG --team TEAM [--expiration SECONDS] [--log FILE] -- <pulumi args>
// Needs ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN (a job with `id-token: write`); PULUMI_API
// overrides https://api.pulumi.com (tests). No dependencies: Node's fetch only.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function fail(message) {
  console.log(`::error title=pulumi-oidc::${message}`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
if (split < 0 || split === argv.length - 1) fail("usage: pulumi-oidc.mjs --org ORG --team TEAM [--expiration SECONDS] [--log FILE] -- <pulumi args>");
const own = argv.slice(0, split);
const pulumiArgs = argv.slice(split + 1);
const option = (name) => {
  const at = own.indexOf(name);
  return at >= 0 ? own[at + 1] : undefined;
};
const org = option("--org");
const team = option("--team");
const expiration = option("--expiration");
const log = option("--log");
if (!org || !team) fail("--org and --team are required (vars.PULUMI_ORG and the team variable of this job)");
// A token already in the environment means a step before this one leaked one: refuse.
if (process.env.PULUMI_ACCESS_TOKEN) fail("PULUMI_ACCESS_TOKEN is already set in this step's environment; only this script may hold the Pulumi token");
const requestUrl = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
const requestToken = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
if (!requestUrl || !requestToken) fail("no GitHub OIDC endpoint: the job needs `permissions: id-token: write`");

const audience = `urn:pulumi:org:${org}`;
const api = process.env.PULUMI_API || "https://api.pulumi.com";

async function json(response, what) {
  const text = await response.text();
  if (!response.ok) fail(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    return fail(`${what}: the answer is not JSON`);
  }
}

const idUrl = `${requestUrl}${requestUrl.includes("?") ? "&" : "?"}audience=${encodeURIComponent(audience)}`;
const id = await json(await fetch(idUrl, { headers: { Authorization: `Bearer ${requestToken}` }, signal: AbortSignal.timeout(30_000) }), "GitHub OIDC token");
if (typeof id.value !== "string" || id.value === "") fail("GitHub OIDC token: no value in the answer");
console.log(`::add-mask::${id.value}`);

const body = {
  audience,
  grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
  subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
  requested_token_type: "urn:pulumi:token-type:access_token:team",
  subject_token: id.value,
  scope: `team:${team}`,
  ...(expiration ? { expiration: Number(expiration) } : {}),
};
const exchanged = await json(
  await fetch(new URL("api/oauth/token", api.endsWith("/") ? api : `${api}/`), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  }),
  `Pulumi token exchange for team ${team}`,
);
const token = exchanged.access_token;
if (typeof token !== "string" || token === "") fail(`Pulumi token exchange for team ${team}: no access_token in the answer`);
console.log(`::add-mask::${token}`);

const home = process.env.PULUMI_HOME || path.join(process.env.HOME || "", ".pulumi");
const out = log ? fs.createWriteStream(log) : undefined;
const child = spawn("pulumi", pulumiArgs, { env: { ...process.env, PULUMI_ACCESS_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] });
for (const stream of [child.stdout, child.stderr]) {
  stream.on("data", (chunk) => {
    process.stdout.write(chunk);
    out?.write(chunk);
  });
}
const code = await new Promise((resolve) => {
  child.on("error", (error) => {
    console.log(`::error title=pulumi-oidc::cannot run pulumi: ${error.message}`);
    resolve(1);
  });
  child.on("close", (status) => resolve(status ?? 1));
});
await new Promise((resolve) => (out ? out.end(resolve) : resolve()));
// The CLI records a login in PULUMI_HOME; the token must not outlive this step.
fs.rmSync(path.join(home, "credentials.json"), { force: true });
process.exit(code);
