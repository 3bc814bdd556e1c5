//go:build !race

package tcp

// raceEnabled is set when the race detector is on; it changes allocation
// counts.
const raceEnabled = false
