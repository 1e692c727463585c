#!/usr/bin/env node
// The pull-request comment of one stack's `pulumi preview`: the CLI's output, and, when the
// preview deletes Helm releases, why that is the hand-off and touches no release (README
// "Who owns the releases"). One comment per stack, edited in place on later runs (found by
// a marker line).
//
//   node tools/ci/preview-comment.mjs --stack STACK --log FILE [--outcome success|failure] [--post]
// Without --post it prints the comment. With --post it also writes it to the job summary
// and creates or edits the comment on pull request $PR_NUMBER of $GITHUB_REPOSITORY through
// $GITHUB_API_URL with $GITHUB_TOKEN (pull-requests: write). No dependencies.
import * as fs from "node:fs";

const LIMIT = 60_000;
const RELEASE = /kubernetes:helm\.sh\/v[34]:Release\b/;

const argv = process.argv.slice(2);
const option = (name) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const stack = option("--stack");
const logFile = option("--log");
const outcome = option("--outcome") ?? "success";
if (!stack || !logFile) {
  console.error("usage: preview-comment.mjs --stack STACK --log FILE [--outcome success|failure] [--post]");
  process.exit(2);
}
// Colour codes and the CLI's progress redraws make no sense in Markdown.
// eslint-disable-next-line no-control-regex
const output = (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "(no output: the preview did not start)").replace(/\u001b\[[0-9;]*m/g, "");

/** Lines of the preview that delete a Helm release (plain and --diff output). */
export function releaseDeletes(text) {
  return text.split("\n").filter((l) => RELEASE.test(l) && /\bdelete\b/.test(l) && !/replace/.test(l));
}

const marker = `<!-- k8s-gitops pulumi preview: ${stack} -->`;
const deletes = releaseDeletes(output);
const lines = [marker, `## \`pulumi preview\` of ${stack}: ${outcome === "success" ? "succeeded" : "FAILED"}`, ""];
if (deletes.length > 0) {
  lines.push(
    `> [!NOTE]`,
    `> **${deletes.length} Helm release deletion(s) below are the hand-off to Flux, not an uninstall.** Once a run has recorded`,
    `> \`lifecycle.fluxOwnsReleases\`, the program stops registering the releases it installed; each is \`retainOnDelete\`, so`,
    `> the engine drops it from the stack's state without calling Helm, and Flux keeps running it`,
    `> (README "Who owns the releases: the hand-off, step by step"). Any other delete below is a real one.`,
    "",
  );
}
const shown = output.length > LIMIT ? `${output.slice(0, LIMIT)}\n... (truncated: ${LIMIT} of ${output.length} characters; the whole output is in this job's log)` : output;
lines.push("<details open><summary>output</summary>", "", "````", shown.trimEnd(), "````", "", "</details>", "");
const body = lines.join("\n");

if (!argv.includes("--post")) {
  process.stdout.write(body);
  process.exit(0);
}

if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, body);
const { GITHUB_API_URL: api = "https://api.github.com", GITHUB_REPOSITORY: repo, GITHUB_TOKEN: token, PR_NUMBER: pr } = process.env;
if (!repo || !token || !pr) {
  console.error("preview-comment: --post needs GITHUB_REPOSITORY, GITHUB_TOKEN and PR_NUMBER");
  process.exit(1);
}
const headers = { Authorization: `Bearer ${token}`, Accept: "application/vnd.github+json", "Content-Type": "application/json" };
async function call(method, url, payload) {
  const response = await fetch(url, { method, headers, body: payload ? JSON.stringify(payload) : undefined, signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status}`);
  return response.json();
}
let existing;
for (let page = 1; !existing; page++) {
  const comments = await call("GET", `${api}/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`);
  existing = comments.find((c) => typeof c.body === "string" && c.body.startsWith(marker));
  if (comments.length < 100) break;
}
if (existing) await call("PATCH", `${api}/repos/${repo}/issues/comments/${existing.id}`, { body });
else await call("POST", `${api}/repos/${repo}/issues/${pr}/comments`, { body });
console.log(`preview-comment: ${existing ? "edited" : "created"} the comment of ${stack} on #${pr}`);
