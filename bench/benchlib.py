"""Helpers the bench scripts' embedded Python shares (layer_add.sh,
build.sh, dist.sh run it with PYTHONPATH=bench/: `from benchlib import run`)."""
import subprocess
import sys


def run(cmd):
    """Runs cmd; its stdout as text, or the bench ends naming the command and its stderr."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write(f"bench: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr.decode(errors='replace')}")
        sys.exit(1)
    return p.stdout.decode()
