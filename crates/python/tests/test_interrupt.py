"""Long computations release the GIL, and Ctrl-C interrupts them within about a tenth of a
second (runvar's worker polls every 50 ms), raising KeyboardInterrupt."""

import signal
import subprocess
import sys
import threading
import time

import numpy as np

import runvar

# A child that starts an analysis of half a minute on 2 cores (1,000 runs: 499,500 pairs of
# 2,000 x 10 logits, then 10,000 bootstrap resamples of each pairwise mean), says when it has
# begun, and reports how the computation ended.
CHILD = r"""
import sys, time
import numpy as np
import runvar
rng = np.random.default_rng(0)
logits = rng.standard_normal((1000, 2000, 10)).astype(np.float32)
labels = rng.integers(0, 10, 2000)
print("started", flush=True)
t = time.monotonic()
try:
    runvar.analyze(logits, labels)
    print("finished", time.monotonic() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", time.monotonic(), flush=True)
"""


def test_ctrl_c_interrupts_a_long_analysis_at_once():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.0)  # inside the native computation
        assert child.poll() is None, child.stderr.read()
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    word, at = out.split()
    assert word == "interrupted", (out, err)
    # CLOCK_MONOTONIC is shared by the two processes.
    assert float(at) - sent < 1.0, float(at) - sent


def test_the_gil_is_released_while_runvar_computes():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((60, 3000, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 3000)
    done = threading.Event()
    spins = 0

    def work():
        runvar.analyze(logits, labels, bootstrap=20_000)
        done.set()

    t = threading.Thread(target=work)
    start = time.monotonic()
    t.start()
    while not done.is_set():
        spins += 1  # pure Python: runs only while the worker thread does not hold the GIL
    t.join()
    elapsed = time.monotonic() - start
    assert elapsed > 0.2, f"the analysis took only {elapsed:.3f} s: too short to tell"
    # Holding the GIL, the loop would get a switch interval (5 ms) at most now and then;
    # released, it spins freely (millions of times a second).
    assert spins / elapsed > 100_000, (spins, elapsed)
