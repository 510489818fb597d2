"""Tests of the WeChat gateway against the fake WeChat server."""
