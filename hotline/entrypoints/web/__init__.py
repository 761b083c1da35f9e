"""The web workbench and the Open311 API: one HTTP adapter over the same services."""
