"""Reference data as data: countries, minerals, HS codes and units (``codes/data``)."""

from mineralwatch.codes import countries, minerals, units

__all__ = ["countries", "minerals", "units"]
