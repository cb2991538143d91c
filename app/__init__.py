"""招商引资工作平台: the investment-attraction platform."""
