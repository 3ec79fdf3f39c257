#!/usr/bin/env bash
# Plan a pull request's template tree against every tenant of its tiers and
# post the report as one pull-request comment, updated in place on later
# pushes. Used by fleet-plan.yml; runs the same way by hand:
#
#   examples/gitops/fleet-plan.sh templates/tenants            # print the report
#   PR=42 GH_REPO=org/repo GH_TOKEN=... examples/gitops/fleet-plan.sh templates/tenants
#
# The trigger's settings come from the environment as for `serve`:
# TENANTOPS_TRIGGER_DATABASE_URL (a role that can read the trigger's tables
# and the terraform_remote_state schema), TENANTOPS_TRIGGER_PROVIDER_MIRROR,
# TENANTOPS_TRIGGER_TERRAFORM_BIN, TENANTOPS_TRIGGER_PLATFORM_VARS and the
# provider's TENANTOPS_* variables. FLEET_PLAN_ARGS adds flags (--tier,
# --parallel, --refresh).
set -euo pipefail

templates=${1:-templates/tenants}
marker='<!-- tenantops-fleet-plan -->'
report=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$report" "$errors"' EXIT

# A failed plan (a tier that does not render, the database out of reach)
# still gets a comment, so the pull request shows why there is no report.
# shellcheck disable=SC2086 # FLEET_PLAN_ARGS holds several flags
if ! tenantops-trigger fleet plan --templates "$templates" --format markdown --out "$report" ${FLEET_PLAN_ARGS:-} 2>"$errors"; then
  {
    echo "### Fleet plan of \`$templates\` failed"
    echo
    echo '```'
    tail -n 20 "$errors"
    echo '```'
  } >"$report"
  status=1
fi

body=$(printf '%s\n%s' "$marker" "$(cat "$report")")
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  printf '%s\n' "$body" >>"$GITHUB_STEP_SUMMARY"
fi
if [ -z "${PR:-}" ] || [ -z "${GH_REPO:-}" ]; then
  printf '%s\n' "$body"
  exit "${status:-0}"
fi

# One comment per pull request: find ours by its marker.
id=$(gh api "repos/$GH_REPO/issues/$PR/comments" --paginate \
       --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n1)
if [ -n "$id" ]; then
  gh api -X PATCH "repos/$GH_REPO/issues/comments/$id" -f body="$body" >/dev/null
else
  gh api -X POST "repos/$GH_REPO/issues/$PR/comments" -f body="$body" >/dev/null
fi
exit "${status:-0}"
