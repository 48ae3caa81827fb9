/* global module, self */
/**
 * The page's arithmetic on successive /ui/summary samples (a UMD file: the page loads it as a
 * script, the unit tests require it). Counters are cumulative, so rates come from two samples
 * a window apart, as PromQL's rate(); a counter that went down means the service restarted,
 * and the newer sample alone is the delta (as PromQL treats a reset).
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.PaygateMath = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  /** Increase of a cumulative counter from `before` to `after` (a reset counts from zero). */
  function increase(before, after) {
    return after >= before ? after - before : after;
  }

  /**
   * The q-quantile of the observations between two cumulative histograms (one count per bound,
   * then +Inf), as PromQL's histogram_quantile over a rate: linear within the bucket, the highest
   * finite bound when it falls in +Inf, null when nothing was observed.
   */
  function quantileBetween(q, bounds, before, after) {
    var n = bounds.length;
    var reset = after[n] < before[n];
    var counts = after.map(function (c, i) {
      return reset ? c : c - before[i];
    });
    var total = counts[n];
    if (!(total > 0)) return null;
    var rank = q * total;
    for (var i = 0; i < n; i++) {
      if (counts[i] >= rank) {
        var lower = i === 0 ? 0 : bounds[i - 1];
        var below = i === 0 ? 0 : counts[i - 1];
        var inBucket = counts[i] - below;
        return inBucket > 0 ? lower + ((bounds[i] - lower) * (rank - below)) / inBucket : bounds[i];
      }
    }
    return bounds[n - 1];
  }

  /**
   * One chart point per service from two summaries: requests/s, error rate (% of requests, null
   * when there were none) and p95 latency in milliseconds (null when there were none).
   */
  function pointsBetween(older, newer) {
    var seconds = (Date.parse(newer.at) - Date.parse(older.at)) / 1000;
    var out = {};
    newer.services.forEach(function (now) {
      var prev = older.services.find(function (s) {
        return s.service === now.service;
      });
      var point = { rps: null, errorPct: null, p95Ms: null };
      if (prev && prev.traffic && now.traffic && seconds > 0) {
        var requests = increase(prev.traffic.requests, now.traffic.requests);
        var failed = now.traffic.requests >= prev.traffic.requests ? increase(prev.traffic.failed, now.traffic.failed) : now.traffic.failed;
        var p95 = quantileBetween(0.95, newer.latency_bounds, prev.traffic.latency, now.traffic.latency);
        point.rps = requests / seconds;
        point.errorPct = requests > 0 ? (100 * failed) / requests : null;
        point.p95Ms = p95 === null ? null : p95 * 1000;
      }
      out[now.service] = point;
    });
    return out;
  }

  /** Units of `quote` per one `base` from a tick's pivot rates (display only: a chart's y value). */
  function crossRate(rates, base, quote) {
    var b = Number(rates[base]);
    var q = Number(rates[quote]);
    return b > 0 && q > 0 ? q / b : null;
  }

  return { increase: increase, quantileBetween: quantileBetween, pointsBetween: pointsBetween, crossRate: crossRate };
});
