# Helpers shared by the benchmark scripts (sourced, not run).

# A free TCP port on 127.0.0.1 (the kernel picks it; it is released at once).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits up to 10 s for something to accept on 127.0.0.1:PORT; on failure prints
# the named server's output file and returns 1.
wait_for_port() { # port name output-file
  local port=$1 name=$2 out=$3
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$name did not start; its output:" >&2; cat "$out" >&2; return 1
}

# The server's CPU time so far, in clock ticks (user + system).
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
