// Package reliability is tenantops' reliability and security campaign:
// backend faults injected through the simulators during onboarding, update,
// suspension, reactivation and offboarding runs, SIGKILLs of the trigger
// process at seeded random points, two trigger replicas on one database, a
// secrets scan of everything the trigger shows or stores, and bounded
// fuzzing of every parser that reads untrusted input.
//
// Everything lives in the package's tests. `go test ./bench/reliability/`
// runs the short campaign (a few faults, one kill, the secrets scan; about a
// minute). `make reliability` sets TENANTOPS_RELIABILITY=full and runs the
// whole matrix plus the fuzz targets; both print one summary table:
//
//	TENANTOPS_RELIABILITY=full go test -v -count=1 -timeout 20m -run . ./bench/reliability/
//
// Knobs (environment): TENANTOPS_RELIABILITY_KILLS (SIGKILLs, default 1
// short / 20 full; the full campaign covers 50 onboarding runs in waves of
// 10), TENANTOPS_RELIABILITY_SEED (tiers, failing tenants, webhook gaps and
// kill delays; default 1),
// TENANTOPS_RELIABILITY_FUZZTIME (per fuzz target in full mode, default 20s).
package reliability
