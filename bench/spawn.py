"""Run commands one after another and report each one's wall time, peak RSS and CPU, as JSON.

    python -I -S bench/spawn.py '[["ctk", "--help"], ...]'   ->   [{"seconds": ..., "peak_kib": ...}, ...]

Why a launcher: Linux carries a process's peak RSS across exec, and a forked child starts with
its parent's. A child forked by the benchmark itself (tens of MB once it has built the inputs)
would report at least that much. This launcher is a bare interpreter (`-I -S`, a few MB, less than
any Python child), so `ru_maxrss` from `os.wait4` is the child's own peak. Each child's stdout goes
to /dev/null; its stderr is this process's stderr.
"""

import json
import os
import sys
import time


def main() -> int:
    commands = json.loads(sys.argv[1])
    devnull = os.open(os.devnull, os.O_RDWR)
    out = []
    for cmd in commands:
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1)]
        start = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
        out.append(
            {
                "seconds": seconds,
                "peak_kib": usage.ru_maxrss,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "exit": os.waitstatus_to_exitcode(status),
            }
        )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
