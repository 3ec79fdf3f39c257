package drift

import (
	"hash/fnv"
	"time"
)

// offset is the tenant's place in every interval: a hash of its id, so
// that checks spread evenly over the interval and a tenant keeps its
// place across restarts, replicas and interval windows.
func offset(tenant string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(tenant))
	return time.Duration(h.Sum64() % uint64(interval))
}

// slotAtOrAfter is the tenant's first check time not before t: the slots
// are offset(tenant) after every multiple of interval since the Unix epoch.
func slotAtOrAfter(tenant string, interval time.Duration, t time.Time) time.Time {
	off := offset(tenant, interval)
	n := t.UnixNano() - int64(off)
	k := n / int64(interval)
	if n%int64(interval) != 0 && n > 0 {
		k++
	}
	return time.Unix(0, k*int64(interval)+int64(off))
}

// NextCheck is when a tenant is due: its first slot after its last check,
// or, never checked, its first slot from now. When that slot has passed
// (the trigger was down, or the check was skipped for a busy tenant) the
// tenant is due at once, in its latest slot: a slot is checked once (the
// check job is unique by tenant and slot), so an overdue tenant gets a
// new chance in each interval until a check succeeds.
func NextCheck(tenant string, interval time.Duration, checkedAt *time.Time, now time.Time) time.Time {
	if checkedAt == nil {
		return slotAtOrAfter(tenant, interval, now)
	}
	next := slotAtOrAfter(tenant, interval, checkedAt.Add(time.Nanosecond))
	if next.Before(now) {
		return slotAtOrAfter(tenant, interval, now.Add(-interval+time.Nanosecond))
	}
	return next
}

// sweepEvery is how often the periodic sweep job schedules the checks
// that come due: the interval, but at least every ten minutes, so that a
// new tenant, a restart or a leader change delays no check by more.
func sweepEvery(interval time.Duration) time.Duration {
	return min(interval, 10*time.Minute)
}
