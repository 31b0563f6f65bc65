import logging
import sys

from ketenkit.serve import MaskingFormatter


def test_log_lines_and_tracebacks_are_masked() -> None:
    formatter = MaskingFormatter("%(asctime)s %(levelname)s %(message)s")
    try:
        raise ValueError("input_value='123 456 782'")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '"GET /x?bsn=%s HTTP/1.1" %d',
        ("111222333", 200),
        exc_info,
    )
    line = formatter.format(record)
    assert "111222333" not in line and "123 456 782" not in line
    assert "*****2333" in line and "*****6782" in line
    assert " 200" in line
