"""Masked forms of ID numbers, phones and names: the rules live in sync.common.masking.

The central server masks with the same rules (bundles, console, exports), and it may not
import kiosk.*, so the code sits in the shared package; the kiosk's layers keep reading
them here, as part of their domain.
"""

from sync.common.masking import mask_id, mask_name, mask_phone, mask_text

__all__ = ["mask_id", "mask_name", "mask_phone", "mask_text"]
