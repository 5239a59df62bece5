"""The one exception the pipeline steps raise; verify() turns it into a result.

Each failure names the verification status and the step that failed ('prefix',
'base45', 'zlib', 'cbor', 'cose', 'alg', 'kid', 'trust', 'signature', 'claims', 'time',
'schema', 'key-usage', 'revocation', ...), so tests and logs can tell why without
parsing the human reason text.
"""

from __future__ import annotations

from kiosk.domain.models import CodeStatus


class CodeError(Exception):
    def __init__(self, status: CodeStatus, step: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.step = step
        self.reason = reason


def malformed(step: str, reason: str) -> CodeError:
    return CodeError(CodeStatus.MALFORMED, step, reason)
