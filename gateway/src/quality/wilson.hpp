// The Wilson score interval of a proportion: unlike the normal approximation it stays inside
// [0, 1] and stays honest for small samples and for proportions near 0 or 1, which is where a
// quality retention estimate lives.
#pragma once

namespace sy::quality {

struct Interval {
    double lower = 0;
    double upper = 1;
};

// successes of n trials (successes may be fractional); z = 1.96 gives 95%.
// With n <= 0 nothing is known: [0, 1].
Interval wilson_interval(double successes, double n, double z = 1.96);

}  // namespace sy::quality
