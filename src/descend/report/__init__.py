"""Reports of comparisons: figures (matplotlib), the HTML report (Plotly), tables."""
