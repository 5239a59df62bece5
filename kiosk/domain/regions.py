"""Region codes (GB/T 2260): the look-up lives in sync.common.regions.

The central server checks risk-area codes with the same table and may not import kiosk.*,
so the code sits in the shared package; the kiosk's layers keep reading it here.
"""

from sync.common.regions import Region, lookup_region, region_matches

__all__ = ["Region", "lookup_region", "region_matches"]
