package serial

import (
	"time"

	"github.com/tochka-loyalty/tochka/scanner"
)

// NewSource returns the source that reads the serial scanner of cfg: it
// opens the port, polls for it while it is not there or after the scanner
// was unplugged, and cuts what comes into scans at line's suffix. Its
// events name it by its port, "/dev/ttyACM0".
func NewSource(cfg Config, line scanner.LineConfig) (*scanner.ReportSource, error) {
	return scanner.NewReportSource(scanner.ReportSourceConfig{Device: cfg.port(), Decoder: scanner.NewLineDecoder(line),
		Open: Opener(cfg), Now: time.Now})
}
