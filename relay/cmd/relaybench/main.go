// Command relaybench measures the relay tunnel side by side with direct TCP and with
// websockify, in one run, and prints lines "BENCH <name> <value> <unit>".
//
// The relay runs in a child process (this same binary, re-executed), so the client's and
// sinks' work and memory stay out of its numbers, as websockify's do. Set BENCH to a name
// prefix to run only some measures (empty: all). BENCH_MB sets the bulk transfer size
// (default 256).
//
// Measures:
//
//	tunnel_throughput_vs_direct_ratio     bulk upload client → relay → TCP sink, ÷ direct TCP (higher is better)
//	tunnel_download_vs_direct_ratio       bulk download TCP source → relay → client, ÷ direct TCP
//	tunnel_bulkclient_throughput_vs_direct_ratio  the same upload with a client that writes whole frames (rawclient.go)
//	tcp_proxy_throughput_vs_direct_ratio  the same upload through a splice(2) TCP proxy in the relay's process:
//	                                      the bound for any relay on this machine (see startProxy)
//	tunnel_bulkclient_vs_tcp_proxy_ratio  the whole-frame client's upload through the tunnel ÷ through that proxy
//	tunnel_throughput_vs_websockify_ratio bulk upload through the relay ÷ through Debian's websockify
//	tunnel_rtt_vs_direct_ratio            64-byte ping-pong round trip through the relay ÷ direct (lower is better)
//	tunnel_idle_memory_bytes              relay memory per idle tunnel with 5,000 open
//	relay_cpu_ms_per_gb_upload/_download  CPU the relay process spends per GB carried: unlike
//	                                      the ratios, it hardly depends on what else the machine runs
//	                                      (websockify forks a process per connection, so it has no such line)
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
	client "caliopen/wasm/tunnel"
)

const childEnv = "CALIOPEN_RELAYBENCH_CHILD"

// rounds is how many times each transfer runs; the median is reported.
const rounds = 5

func main() {
	raiseFileLimit()
	if os.Getenv(childEnv) == "1" {
		if err := runRelayChild(); err != nil {
			fmt.Fprintln(os.Stderr, "relay child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "relaybench:", err)
		os.Exit(1)
	}
}

func run() error {
	filter := os.Getenv("BENCH")
	want := func(names ...string) bool {
		for _, n := range names {
			if strings.HasPrefix(n, filter) {
				return true
			}
		}
		return false
	}
	mb := 256
	if v, err := strconv.Atoi(os.Getenv("BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	size := int64(mb) << 20

	sink, err := startSink()
	if err != nil {
		return err
	}
	source, err := startSource(size)
	if err != nil {
		return err
	}
	echo, err := startEcho()
	if err != nil {
		return err
	}
	hold, err := startHold()
	if err != nil {
		return err
	}
	relay, err := startRelayChild(sink.port, source.port, echo.port, hold.port)
	if err != nil {
		return err
	}
	defer relay.stop()
	d := &client.Dialer{RelayURL: relay.url, Token: relay.token}

	if want("tunnel_throughput_vs_direct_ratio", "tunnel_throughput_mbps", "tunnel_bulkclient", "tcp_proxy", "relay_cpu_ms_per_gb_upload", "direct_throughput_mbps", "tunnel_throughput_vs_websockify_ratio", "websockify_throughput_mbps") {
		var viaTunnel, viaDirect, viaWS, viaRaw, viaProxy []float64
		var relayCPU float64 // seconds of CPU used by the relay process
		var wsErr error
		var ws *websockify
		if want("tunnel_throughput_vs_websockify_ratio", "websockify_throughput_mbps") {
			ws, wsErr = startWebsockify(sink.port)
			if ws != nil {
				defer ws.stop()
			}
		}
		for range rounds {
			r, err := upload(size, func() (net.Conn, error) { return net.Dial("tcp", sink.addr) })
			if err != nil {
				return fmt.Errorf("direct upload: %w", err)
			}
			viaDirect = append(viaDirect, r)
			cpu0 := procCPU(relay.cmd.Process.Pid)
			r, err = upload(size, func() (net.Conn, error) { return d.Dial("tcp", sink.addr) })
			if err != nil {
				return fmt.Errorf("tunnel upload: %w", err)
			}
			relayCPU += procCPU(relay.cmd.Process.Pid) - cpu0
			viaTunnel = append(viaTunnel, r)
			r, err = upload(size, func() (*rawConn, error) { return rawDial(relay.url, relay.token, sink.addr) })
			if err != nil {
				return fmt.Errorf("bulk-client upload: %w", err)
			}
			viaRaw = append(viaRaw, r)
			r, err = upload(size, func() (net.Conn, error) { return net.Dial("tcp", relay.proxy) })
			if err != nil {
				return fmt.Errorf("tcp proxy upload: %w", err)
			}
			viaProxy = append(viaProxy, r)
			if ws != nil {
				r, err = upload(size, ws.dial)
				if err != nil {
					return fmt.Errorf("websockify upload: %w", err)
				}
				viaWS = append(viaWS, r)
			}
		}
		t, dr := median(viaTunnel), median(viaDirect)
		if len(viaRaw) > 0 {
			raw := median(viaRaw)
			bench("tunnel_bulkclient_throughput_mbps", raw, "MB/s")
			bench("tunnel_bulkclient_throughput_vs_direct_ratio", pairedRatio(viaRaw, viaDirect), "ratio")
			bench("tunnel_bulkclient_vs_tcp_proxy_ratio", pairedRatio(viaRaw, viaProxy), "ratio")
		}
		if len(viaProxy) > 0 {
			bench("tcp_proxy_throughput_mbps", median(viaProxy), "MB/s")
			bench("tcp_proxy_throughput_vs_direct_ratio", pairedRatio(viaProxy, viaDirect), "ratio")
		}
		bench("tunnel_throughput_mbps", t, "MB/s")
		bench("direct_throughput_mbps", dr, "MB/s")
		bench("tunnel_throughput_vs_direct_ratio", pairedRatio(viaTunnel, viaDirect), "ratio")
		gb := float64(size) * rounds / (1 << 30)
		bench("relay_cpu_ms_per_gb_upload", relayCPU*1000/gb, "ms/GB")
		if ws != nil {
			w := median(viaWS)
			bench("websockify_throughput_mbps", w, "MB/s")
			bench("tunnel_throughput_vs_websockify_ratio", pairedRatio(viaTunnel, viaWS), "ratio")
		} else if wsErr != nil {
			fmt.Fprintln(os.Stderr, "websockify unavailable:", wsErr)
		}
	}

	if want("tunnel_download_vs_direct_ratio", "tunnel_download_mbps", "direct_download_mbps", "relay_cpu_ms_per_gb_download") {
		var viaTunnel, viaDirect []float64
		var relayCPU float64
		for range rounds {
			r, err := download(size, func() (net.Conn, error) { return net.Dial("tcp", source.addr) })
			if err != nil {
				return fmt.Errorf("direct download: %w", err)
			}
			viaDirect = append(viaDirect, r)
			cpu0 := procCPU(relay.cmd.Process.Pid)
			r, err = download(size, func() (net.Conn, error) { return d.Dial("tcp", source.addr) })
			if err != nil {
				return fmt.Errorf("tunnel download: %w", err)
			}
			relayCPU += procCPU(relay.cmd.Process.Pid) - cpu0
			viaTunnel = append(viaTunnel, r)
		}
		bench("relay_cpu_ms_per_gb_download", relayCPU*1000/(float64(size)*rounds/(1<<30)), "ms/GB")
		t, dr := median(viaTunnel), median(viaDirect)
		bench("tunnel_download_mbps", t, "MB/s")
		bench("direct_download_mbps", dr, "MB/s")
		bench("tunnel_download_vs_direct_ratio", pairedRatio(viaTunnel, viaDirect), "ratio")
	}

	if want("tunnel_rtt_vs_direct_ratio", "tunnel_rtt_us", "direct_rtt_us") {
		const n = 1000
		var viaTunnel, viaDirect []float64
		for range rounds {
			r, err := pingPong(n, func() (net.Conn, error) { return net.Dial("tcp", echo.addr) })
			if err != nil {
				return fmt.Errorf("direct rtt: %w", err)
			}
			viaDirect = append(viaDirect, r)
			r, err = pingPong(n, func() (net.Conn, error) { return d.Dial("tcp", echo.addr) })
			if err != nil {
				return fmt.Errorf("tunnel rtt: %w", err)
			}
			viaTunnel = append(viaTunnel, r)
		}
		t, dr := median(viaTunnel), median(viaDirect)
		bench("tunnel_rtt_us", t, "us")
		bench("direct_rtt_us", dr, "us")
		bench("tunnel_rtt_vs_direct_ratio", pairedRatio(viaTunnel, viaDirect), "ratio")
	}

	if want("tunnel_idle_memory_bytes", "tunnel_idle_rss_bytes") {
		heap, rss, err := idleMemory(d, hold.addr, relay, 5000)
		if err != nil {
			return fmt.Errorf("idle memory: %w", err)
		}
		bench("tunnel_idle_memory_bytes", heap, "bytes")
		bench("tunnel_idle_rss_bytes", rss, "bytes")
	}
	return nil
}

func bench(name string, v float64, unit string) {
	fmt.Printf("BENCH %s %.3f %s\n", name, v, unit)
}

// pairedRatio is the median of a[i]/b[i]: each round's two measures ran back to back, so
// their ratio cancels most of what other work on the machine does to both.
func pairedRatio(a, b []float64) float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return median(r)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// upload writes size bytes and waits for the sink's one-byte acknowledgement; MB/s.
func upload[C io.ReadWriteCloser](size int64, dial func() (C, error)) (float64, error) {
	c, err := dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	buf := make([]byte, 256<<10)
	began := time.Now()
	for left := size; left > 0; {
		n := min(int64(len(buf)), left)
		if _, err := c.Write(buf[:n]); err != nil {
			return 0, err
		}
		left -= n
	}
	if _, err := io.ReadFull(c, buf[:1]); err != nil {
		return 0, fmt.Errorf("waiting for the sink: %w", err)
	}
	return float64(size) / (1 << 20) / time.Since(began).Seconds(), nil
}

// download reads size bytes from a source; MB/s.
func download(size int64, dial func() (net.Conn, error)) (float64, error) {
	c, err := dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	buf := make([]byte, 256<<10)
	began := time.Now()
	var got int64
	for got < size {
		n, err := c.Read(buf)
		got += int64(n)
		if err != nil {
			return 0, err
		}
	}
	return float64(size) / (1 << 20) / time.Since(began).Seconds(), nil
}

// pingPong sends n 64-byte messages one at a time through an echo; mean µs per round trip.
func pingPong(n int, dial func() (net.Conn, error)) (float64, error) {
	c, err := dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	msg := make([]byte, 64)
	back := make([]byte, 64)
	// One warm-up exchange.
	if _, err := c.Write(msg); err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(c, back); err != nil {
		return 0, err
	}
	began := time.Now()
	for range n {
		if _, err := c.Write(msg); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(c, back); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(began).Microseconds()) / float64(n), nil
}

// idleMemory opens count idle tunnels and returns the relay's memory growth per tunnel:
// Go heap in use plus goroutine stacks (measured in the relay process after a forced GC),
// and resident set size from /proc. Kernel socket buffers are in neither.
func idleMemory(d *client.Dialer, dest string, relay *relayChild, count int) (heapPer, rssPer float64, err error) {
	before, err := relay.mem()
	if err != nil {
		return 0, 0, err
	}
	conns := make([]net.Conn, count)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= count {
					return
				}
				c, err := d.Dial("tcp", dest)
				if err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, err)
					mu.Unlock()
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	var after memStats
	deadline := time.Now().Add(30 * time.Second)
	for {
		after, err = relay.mem()
		if err != nil {
			return 0, 0, err
		}
		if after.Open >= float64(count) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after.Open < float64(count) {
		return 0, 0, fmt.Errorf("only %v tunnels open in the relay", after.Open)
	}
	heapPer = float64(after.Go-before.Go) / float64(count)
	rssPer = float64(after.RSS-before.RSS) / float64(count)
	return heapPer, rssPer, nil
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// ---- servers on loopback ----

type server struct {
	addr string
	port int
}

func listen(handle func(net.Conn)) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return &server{addr: ln.Addr().String(), port: ln.Addr().(*net.TCPAddr).Port}, nil
}

// startSink discards what it reads and acknowledges each full upload with one byte; the
// upload size comes from the BENCH_MB setting shared by both ends.
func startSink() (*server, error) {
	mb := 256
	if v, err := strconv.Atoi(os.Getenv("BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	size := int64(mb) << 20
	return listen(func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 256<<10)
		var got int64
		for got < size {
			n, err := c.Read(buf)
			got += int64(n)
			if err != nil {
				return
			}
		}
		c.Write([]byte{1})
		io.Copy(io.Discard, c)
	})
}

func startSource(size int64) (*server, error) {
	return listen(func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 256<<10)
		for left := size; left > 0; {
			n := min(int64(len(buf)), left)
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
			left -= n
		}
		io.Copy(io.Discard, c)
	})
}

func startEcho() (*server, error) {
	return listen(func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if _, werr := c.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
}

// startHold accepts connections and keeps them open and silent (idle tunnels' far end).
func startHold() (*server, error) {
	return listen(func(c net.Conn) {
		io.Copy(io.Discard, c)
		c.Close()
	})
}

// ---- websockify ----

type websockify struct {
	cmd  *exec.Cmd
	url  string
	addr string
}

func startWebsockify(sinkPort int) (*websockify, error) {
	path, err := exec.LookPath("websockify")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(path, addr, fmt.Sprintf("127.0.0.1:%d", sinkPort))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &websockify{cmd: cmd, url: "ws://" + addr + "/", addr: addr}
	for deadline := time.Now().Add(15 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return w, nil
		}
		if time.Now().After(deadline) {
			w.stop()
			return nil, errors.New("websockify did not start listening")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *websockify) dial() (net.Conn, error) {
	ws, _, err := websocket.Dial(context.Background(), w.url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		return nil, err
	}
	return websocket.NetConn(context.Background(), ws, websocket.MessageBinary), nil
}

func (w *websockify) stop() {
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// ---- the relay child process ----

type relayChild struct {
	cmd   *exec.Cmd
	url   string
	base  string
	proxy string // the plain TCP proxy to the sink (startProxy)
	token string
	dir   string
}

type memStats struct {
	Go   uint64  // HeapInuse + StackInuse after GC
	RSS  uint64  // VmRSS
	Open float64 // tunnels open
}

func startRelayChild(ports ...int) (*relayChild, error) {
	dir, err := os.MkdirTemp("", "relaybench-")
	if err != nil {
		return nil, err
	}
	store, err := auth.Open(dir)
	if err != nil {
		return nil, err
	}
	token, err := store.Add("bench")
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var ps []string
	for _, p := range ports {
		ps = append(ps, strconv.Itoa(p))
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), childEnv+"=1", "CALIOPEN_RELAYBENCH_DIR="+dir, "CALIOPEN_RELAYBENCH_PORTS="+strings.Join(ps, ","))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("relay child did not start: %w", err)
	}
	addr, proxy, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "ADDR ")), " ")
	return &relayChild{cmd: cmd, url: "ws://" + addr + "/tunnel", base: "http://" + addr, proxy: proxy, token: token, dir: dir}, nil
}

func (r *relayChild) mem() (memStats, error) {
	var m memStats
	resp, err := http.Get(r.base + "/mem")
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

func (r *relayChild) stop() {
	r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
	}
	os.RemoveAll(r.dir)
}

// runRelayChild serves the tunnel on loopback with the production defaults, plus loopback
// and the bench's ports allowed and limits raised for 5,000 tunnels.
func runRelayChild() error {
	store, err := auth.Open(os.Getenv("CALIOPEN_RELAYBENCH_DIR"))
	if err != nil {
		return err
	}
	cfg := tunnel.DefaultConfig()
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	args := []string{"-tunnel-allow-cidrs=127.0.0.1/32", "-tunnel-ports=" + os.Getenv("CALIOPEN_RELAYBENCH_PORTS"),
		"-tunnel-max=20000", "-tunnel-max-per-user=20000", "-tunnel-opens-per-minute=0"}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := tunnel.ApplyEnv(fs, nil); err != nil { // e.g. CALIOPEN_RELAY_TUNNEL_BUFFER_SIZE
		return err
	}
	srv := tunnel.New(cfg, store, tunnel.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if p := os.Getenv("CALIOPEN_RELAYBENCH_CPUPROFILE"); p != "" { // profile the relay side
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	mux := http.NewServeMux()
	mux.Handle("/tunnel", srv)
	mux.HandleFunc("/mem", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		json.NewEncoder(w).Encode(memStats{Go: ms.HeapInuse + ms.StackInuse, RSS: rss(), Open: float64(srv.OpenTunnels())})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	proxy, err := startProxy(os.Getenv("CALIOPEN_RELAYBENCH_PORTS"))
	if err != nil {
		return err
	}
	fmt.Printf("ADDR %s %s\n", ln.Addr(), proxy)
	hs := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Shutdown(ctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startProxy forwards a loopback port to the first bench port (the sink) with nothing but
// io.Copy between two TCP connections, which Linux does by splice(2) without copying
// through user space: the least work any relay process can do per byte. Its throughput
// bounds what a relay can reach on this machine; the WebSocket tunnel cannot splice (client
// frames are masked, every byte is XORed), so it copies each byte in and out.
func startProxy(ports string) (string, error) {
	first, _, _ := strings.Cut(ports, ",")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", "127.0.0.1:"+first)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(c, up)
				io.Copy(up, c)
			}()
		}
	}()
	return ln.Addr().String(), nil
}

func rss() uint64 {
	b, err := os.ReadFile(filepath.Join("/proc", "self", "status"))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// procCPU returns the user+system CPU seconds a process has used (Linux /proc; clock ticks
// are 100 per second on every Linux this runs on).
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
