package vcd

// VDCStatus returns an org VDC's status (-1 creation failed, 0 not ready,
// 1 ready).
func (s *Server) VDCStatus(orgName, vdcName string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	o := s.orgByName(orgName)
	if o == nil {
		return 0, false
	}
	for _, id := range o.vdcs {
		if v := s.vdcs[id]; v.cfg.Name == vdcName {
			return v.status, true
		}
	}
	return 0, false
}
