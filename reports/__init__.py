"""Director reports: utilization, member statements, compliance; read from rollups, never raw
positions; exported as JSON, CSV and XLSX."""
