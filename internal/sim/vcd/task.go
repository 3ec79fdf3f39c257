package vcd

import (
	"net/http"
	"time"

	"github.com/vmware/go-vcloud-director/v2/types/v56"
)

type task struct {
	id       string
	op       string
	opName   string
	owner    types.Reference
	orgID    string
	start    time.Time
	end      time.Time
	dur      time.Duration
	failMsg  string
	status   string
	complete func(ok bool)
}

// startTask registers a task for op on owner; complete runs (under the lock)
// when it finishes, with ok=false when the task failed.
func (s *Server) startTask(op, opName string, owner types.Reference, orgID string, complete func(ok bool)) *task {
	d, ok := s.durations[op]
	if !ok {
		d = s.durations[""]
	}
	t := &task{id: newUUID(), op: op, opName: opName, owner: owner, orgID: orgID,
		start: time.Now(), dur: d, status: "running", complete: complete}
	if msgs := s.failNext[op]; len(msgs) > 0 {
		t.failMsg = msgs[0]
		s.failNext[op] = msgs[1:]
	}
	s.tasks[t.id] = t
	return t
}

// advance finishes every task whose time has come. It runs before each
// request is served, so a task of duration 0 is reported running in the
// reply that started it and finishes on the client's first poll.
func (s *Server) advance() {
	now := time.Now()
	for _, t := range s.tasks {
		if t.status != "running" || now.Sub(t.start) < t.dur {
			continue
		}
		s.finish(t, now)
	}
}

func (s *Server) finish(t *task, now time.Time) {
	t.end = now
	if t.failMsg != "" {
		t.status = "error"
	} else {
		t.status = "success"
	}
	if t.complete != nil {
		t.complete(t.failMsg == "")
	}
}

func (t *task) running() bool { return t != nil && t.status == "running" }

func (s *Server) renderTask(t *task) *types.Task {
	href := s.URL + "/api/task/" + t.id
	owner := t.owner
	out := &types.Task{
		HREF: href, Type: types.MimeTask, ID: urn("task", t.id), Name: "task", Status: t.status,
		Operation: t.opName + " " + owner.Name, OperationName: t.opName, ServiceNamespace: "com.vmware.cloud",
		StartTime: rfc3339(t.start), ExpiryTime: rfc3339(t.start.Add(30 * 24 * time.Hour)),
		Owner: &owner,
		User:  &types.Reference{Name: s.opts.User, Type: "application/vnd.vmware.admin.user+xml", HREF: s.URL + "/api/admin/user/" + "9d3a8c5e-5bd0-4c4b-9d0e-2b8a1f6b7a11"},
	}
	if o := s.orgs[t.orgID]; o != nil {
		out.Organization = &types.Reference{HREF: s.orgHref(o), Name: o.name, Type: types.MimeOrg, ID: urn("org", o.id)}
	}
	switch t.status {
	case "running":
		out.Link = &types.LinkList{{Rel: "task:cancel", HREF: href + "/action/cancel"}}
		if t.dur > 0 {
			out.Progress = int(100 * time.Since(t.start) / t.dur)
		}
	case "success":
		out.EndTime, out.Progress = rfc3339(t.end), 100
	case "error":
		out.EndTime = rfc3339(t.end)
		out.Details = t.failMsg
		out.Error = &types.Error{MajorErrorCode: 500, MinorErrorCode: "INTERNAL_SERVER_ERROR", Message: t.failMsg}
	}
	return out
}

func (s *Server) getTask(w http.ResponseWriter, _ *http.Request, id string) {
	t := s.tasks[id]
	if t == nil {
		notFound(w, "Task", urn("task", id))
		return
	}
	writeXML(w, http.StatusOK, types.MimeTask, "Task", types.XMLNamespaceVCloud, s.renderTask(t))
}
