package tcp

import "testing"

func TestQueueID(t *testing.T) {
	tests := []struct{ give, want string }{
		{"2.0.0 Ok: queued as 4F2A1B", "4F2A1B"},
		{"OK id=1rXyZ-0001", "1rXyZ-0001"},
		{"Ok <0100018c-abc>", "0100018c-abc"},
		{"accepted", ""},
	}
	for _, tt := range tests {
		if got := queueID(tt.give); got != tt.want {
			t.Errorf("queueID(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
}
