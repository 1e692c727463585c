#!/usr/bin/env node
// Fails the job unless the GitHub environment it runs in is protected by required reviewers
// who may not approve their own runs: the approval is what stands between pull-request code
// and the environment's credentials (docs/delivery.md "Trust model"). Run in every job that
// holds credentials before any other code of the checkout, so a repository whose environment lost
// its reviewers stops here instead of running unreviewed code with secrets.
//
//   node require-reviewers.mjs ENVIRONMENT    (GITHUB_TOKEN with actions: read,
//   GITHUB_REPOSITORY, GITHUB_API_URL)
// A guard against a misconfigured repository, not against a pull request: the pull request
// can edit this file and the workflow; what it cannot edit is the environment's reviewers.
const environment = process.argv[2];
const { GITHUB_API_URL: api = "https://api.github.com", GITHUB_REPOSITORY: repo, GITHUB_TOKEN: token } = process.env;
function fail(message) {
  console.log(`::error title=environment ${environment ?? "?"} is not protected::${message}`);
  process.exit(1);
}
if (!environment || !repo || !token) fail("usage: require-reviewers.mjs ENVIRONMENT, with GITHUB_TOKEN and GITHUB_REPOSITORY set");
const url = `${api}/repos/${repo}/environments/${encodeURIComponent(environment)}`;
const response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/vnd.github+json" }, signal: AbortSignal.timeout(30_000) });
if (!response.ok) fail(`GET ${url}: HTTP ${response.status} (the job needs permissions: actions: read)`);
const env = await response.json();
const rules = Array.isArray(env.protection_rules) ? env.protection_rules : [];
const reviewers = rules.find((r) => r.type === "required_reviewers");
const problems = [];
if (!reviewers || !Array.isArray(reviewers.reviewers) || reviewers.reviewers.length === 0) problems.push("it has no required reviewers (Settings → Environments → " + environment + " → Required reviewers)");
else if (reviewers.prevent_self_review !== true) problems.push("its reviewers may approve their own runs (tick “Prevent self-review”)");
if (problems.length > 0) fail(`${problems.join("; ")}. Until it is fixed no job of this environment runs: README "Workflows and tokens".`);
console.log(`environment ${environment}: ${reviewers.reviewers.length} required reviewer(s), self-review prevented`);
