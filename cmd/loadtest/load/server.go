package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/euregio/tranche/internal/database"
)

// Build compiles the tranche command into dir and returns the binary's path.
// It runs `go build` in the module, so it works from any folder inside it.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "tranche")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/euregio/tranche/cmd/tranche")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build tranche: %w: %s", err, out)
	}
	return bin, nil
}

// Server is a tranche server running as a child process on a private
// PostgreSQL in its data folder, listening on loopback.
type Server struct {
	Bin     string // the tranche binary
	DataDir string // TRANCHE_DATA; the cluster lives in DataDir/pg
	Addr    string // 127.0.0.1:port
	LogPath string // the server's standard error

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// NewServer prepares a server on a free loopback port; Start runs it.
func NewServer(bin, dataDir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return &Server{Bin: bin, DataDir: dataDir, Addr: "127.0.0.1:" + strconv.Itoa(port), LogPath: filepath.Join(dataDir, "tranche.log")}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr }

// Env is the environment for tranche commands on this server's data: the
// caller's, without DATABASE_URL, with TRANCHE_DATA.
func (s *Server) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "TRANCHE_DATA=") || strings.HasPrefix(kv, "TRANCHE_ADDR=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TRANCHE_DATA="+s.DataDir)
}

// Start runs `tranche serve` and waits until /readyz answers 200.
func (s *Server) Start(ctx context.Context) error {
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.Bin, "serve", "--addr", s.Addr)
	cmd.Env = s.Env()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() {
		s.err = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.done:
			return fmt.Errorf("tranche serve exited at start: %v\n%s", s.err, s.LogTail(3000))
		case <-ctx.Done():
			s.Kill()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := client.Get(s.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("tranche serve not ready after 90 s\n%s", s.LogTail(3000))
		}
	}
}

// Pid is the server process's id (0 when it is not running).
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Running tells whether the server process is alive.
func (s *Server) Running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// PeakRSS is the server's peak resident set size in bytes (VmHWM).
func (s *Server) PeakRSS() (int64, error) { return PeakRSS(s.Pid()) }

// PeakRSS reads VmHWM from /proc/<pid>/status, in bytes.
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// Kill ends the server with SIGKILL (as a crash would) and waits for it.
func (s *Server) Kill() {
	if !s.Running() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop asks the server to shut down (SIGTERM): it finishes the requests in
// flight and stops the private PostgreSQL it owns.
func (s *Server) Stop() error {
	if !s.Running() {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.Kill()
		return errors.New("tranche serve did not stop within 60 s of SIGTERM; killed")
	}
	var exit *exec.ExitError
	if s.err != nil && !errors.As(s.err, &exit) {
		return s.err
	}
	if exit != nil && exit.ExitCode() != 0 {
		return fmt.Errorf("tranche serve exited with %d after SIGTERM\n%s", exit.ExitCode(), s.LogTail(2000))
	}
	return nil
}

// LogTail is the end of the server's log, for failure messages.
func (s *Server) LogTail(n int) string {
	b, _ := os.ReadFile(s.LogPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// DatabaseURL is the connection string of the server's database on its
// private PostgreSQL (over the Unix socket in DataDir/pg).
func (s *Server) DatabaseURL() (string, error) {
	c, err := database.NewCluster(s.DataDir, nil)
	if err != nil {
		return "", err
	}
	return c.URL("tranche"), nil
}

// PostmasterPid reads the running PostgreSQL's pid from postmaster.pid.
func (s *Server) PostmasterPid() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.DataDir, "pg", "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// StopPostgres stops the private PostgreSQL if it still runs (after the
// server was killed it keeps running, to be adopted by the next start).
// Call it once the server is gone.
func (s *Server) StopPostgres() error {
	c, err := database.NewCluster(s.DataDir, nil)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.PGData(), "postmaster.pid")); err != nil {
		return nil // never started, or shut down cleanly
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		return err
	}
	return c.Stop()
}

// Check runs `tranche check` on the server's data and returns its output;
// the error is non-nil when a check fails.
func (s *Server) Check(ctx context.Context) (string, error) {
	return RunCheck(ctx, s.Bin, s.Env())
}

// RunCheck runs `tranche check` with env.
func RunCheck(ctx context.Context, bin string, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "check")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tranche check: %w", err)
	}
	return string(out), nil
}
