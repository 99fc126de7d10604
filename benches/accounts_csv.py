#!/usr/bin/env python3
"""Writes N accounts as CSV, clustered around cities of the demo country (lat 25..49,
lon -124..-67), with a few rows outside it. Deterministic: the same N gives the same file.

    python3 benches/accounts_csv.py 1000000 > accounts.csv
"""
import random
import sys

CITIES = [  # (lat, lon, weight)
    (40.71, -74.01, 9), (34.05, -118.24, 7), (41.88, -87.63, 6), (29.76, -95.37, 5), (33.45, -112.07, 4),
    (39.95, -75.17, 4), (32.78, -96.80, 4), (37.77, -122.42, 4), (47.61, -122.33, 3), (39.74, -104.99, 3),
    (42.36, -71.06, 3), (25.76, -80.19, 3), (33.75, -84.39, 3), (44.98, -93.27, 2), (36.17, -115.14, 2),
    (45.52, -122.68, 2), (35.23, -80.84, 2), (30.27, -97.74, 2), (38.63, -90.20, 2), (39.10, -94.58, 2),
]
INDUSTRIES = ["Retail", "Manufacturing", "Finance", "Healthcare", "Software", "Logistics", "Energy"]
SEGMENTS = ["SMB"] * 6 + ["MID_MARKET"] * 3 + ["ENTERPRISE"]

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(42)
    weights = [c[2] for c in CITIES]
    out = sys.stdout
    out.write("external_id,name,lat,lon,industry,segment,potential,workload,address,tier\n")
    for i in range(n):
        if rng.random() < 0.01:
            lat, lon = rng.uniform(-50, -30), rng.uniform(10, 40)  # far away: unassigned
        else:
            clat, clon, _ = rng.choices(CITIES, weights)[0]
            lat = min(48.99, max(25.01, rng.gauss(clat, 1.2)))
            lon = min(-67.01, max(-123.99, rng.gauss(clon, 1.5)))
        potential = f"{rng.lognormvariate(10, 1.2):.2f}"
        workload = f"{rng.uniform(2, 80):.1f}"
        out.write(f"ACC-{i:07d},Account {i},{lat:.5f},{lon:.5f},{rng.choice(INDUSTRIES)},{rng.choice(SEGMENTS)},"
                  f"{potential},{workload},\"{i} Main St, Springfield\",{rng.choice(['gold', 'silver', 'bronze'])}\n")

if __name__ == "__main__":
    main()
