package bench

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Monitor samples the trigger's resident memory and the number of live
// Terraform and provider processes on the machine.
type Monitor struct {
	pid  int
	stop chan struct{}
	done chan struct{}

	mu        sync.Mutex
	peakRSS   int64 // bytes
	peakTF    int
	peakProv  int
	windowRSS int64
	windowTF  int
}

// StartMonitor samples every 100 ms until Stop.
func StartMonitor(pid int) *Monitor {
	m := &Monitor{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *Monitor) sample() {
	rss := procRSS(m.pid)
	tf, prov := countProcs(m.pid)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peakRSS = max(m.peakRSS, rss)
	m.windowRSS = max(m.windowRSS, rss)
	m.peakTF = max(m.peakTF, tf)
	m.windowTF = max(m.windowTF, tf)
	m.peakProv = max(m.peakProv, prov)
}

// ResetWindow starts a new measurement window.
func (m *Monitor) ResetWindow() {
	m.mu.Lock()
	m.windowRSS, m.windowTF = 0, 0
	m.mu.Unlock()
}

// Window returns the peak trigger RSS (bytes) and peak concurrent
// Terraform processes since ResetWindow.
func (m *Monitor) Window() (int64, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.windowRSS, m.windowTF
}

// Stop ends sampling.
func (m *Monitor) Stop() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
}

// HWM returns the kernel's record of the trigger's peak RSS (VmHWM), bytes.
func HWM(pid int) int64 { return procStatusKB(pid, "VmHWM:") * 1024 }

func procRSS(pid int) int64 { return procStatusKB(pid, "VmRSS:") * 1024 }

func procStatusKB(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}

// countProcs counts the running terraform and tenantops provider
// processes descended from root (other Terraform processes on the machine
// are not the trigger's).
func countProcs(root int) (tf, prov int) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	type proc struct {
		ppid int
		comm string
	}
	procs := map[int]proc{}
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		st := string(b)
		i, j := strings.IndexByte(st, '('), strings.LastIndexByte(st, ')')
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(st[j+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		procs[pid] = proc{ppid: ppid, comm: st[i+1 : j]}
	}
	descends := func(pid int) bool {
		for n := 0; n < 16 && pid > 1; n++ {
			if pid == root {
				return true
			}
			pid = procs[pid].ppid
		}
		return false
	}
	for pid, p := range procs {
		switch p.comm {
		case "terraform":
			if descends(pid) {
				tf++
			}
		case "terraform-provi":
			if descends(pid) {
				prov++
			}
		}
	}
	return tf, prov
}

// TreeCPU returns the CPU seconds of root and its live descendants, plus
// what root's reaped children used.
func TreeCPU(root int) float64 {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	total := 0.0
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		f := statFields(pid)
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		if pid != root && ppid != root {
			continue
		}
		for _, k := range []int{11, 12} {
			v, _ := strconv.ParseFloat(f[k], 64)
			total += v / 100
		}
		if pid == root {
			for _, k := range []int{13, 14} {
				v, _ := strconv.ParseFloat(f[k], 64)
				total += v / 100
			}
		}
	}
	return total
}

// statFields returns the fields of /proc/pid/stat after the command name
// (state is [0], ppid [1], utime [11], stime [12], cutime [13], cstime [14]).
func statFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// CPUSeconds returns the user+system CPU time of pid (without children).
func CPUSeconds(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}
