"""The forecasters: naive family, ARIMA/ETS on statsmodels, and the recurrent networks."""
