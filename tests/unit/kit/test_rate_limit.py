from ketenkit.rate_limit import RateLimiter, retry_after


def test_a_sliding_window_per_address() -> None:
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") is None
    now[0] += 10
    assert limiter.hit("a") is None
    assert limiter.hit("b") is None  # another address has its own window
    wait = limiter.hit("a")
    assert wait == 50.0 and retry_after(wait) == "50"
    now[0] += 50
    assert limiter.hit("a") is None  # the first hit left the window
    assert limiter.hit("a") is not None


def test_zero_means_no_limit() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.hit("a") is None for _ in range(1000))
    assert retry_after(0.2) == "1"
