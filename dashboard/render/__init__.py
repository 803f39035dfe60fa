"""The rendering layer: plotly figures per page family (figures/), the chart block and other Dash building
blocks (components.py), number and date formatting (fmt.py), every user-facing definition and label
(text.py), colours (theme.py) and the embed/image figures (charts.py). Nothing here reads the store."""
