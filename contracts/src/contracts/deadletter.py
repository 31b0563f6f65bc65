"""The dead-letter topic's headers and reason codes."""

from __future__ import annotations

from typing import Final

HEADER_ERROR_CODE: Final = "x-error-code"
HEADER_ERROR_DETAIL: Final = "x-error-detail"
HEADER_ORIGINAL_TOPIC: Final = "x-original-topic"
HEADER_ORIGINAL_PARTITION: Final = "x-original-partition"
HEADER_ORIGINAL_OFFSET: Final = "x-original-offset"
HEADER_FAILED_BY: Final = "x-failed-by"
DEADLETTER_HEADERS: Final = (
    HEADER_ERROR_CODE,
    HEADER_ERROR_DETAIL,
    HEADER_ORIGINAL_TOPIC,
    HEADER_ORIGINAL_PARTITION,
    HEADER_ORIGINAL_OFFSET,
    HEADER_FAILED_BY,
)

# Feed reason codes (SPEC section 10); a handler that keeps failing gives `processing_failed`.
PAYLOAD_UNREADABLE: Final = "payload_unreadable"
ENVELOPE_INVALID: Final = "envelope_invalid"
TYPE_UNKNOWN: Final = "type_unknown"
PROCESSING_FAILED: Final = "processing_failed"
SOURCE_MISMATCH: Final = "source_mismatch"
