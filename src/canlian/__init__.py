"""canlian (智慧残联): daily work of a Disabled Persons' Federation, province to village."""

__version__ = "0.1.0"
