// SPDX-License-Identifier: GPL-2.0
// C++ target of the symbolize tests: namespaces, templates, a lambda and forced-inline members,
// so that demangled names (and their inline chains) can be compared with llvm-symbolizer's.
#include <cstdio>
#include <vector>

namespace rtprof_test {

template <typename T> struct Acc {
	T total{};
	__attribute__((always_inline)) inline void add(T v) { total += v * 3 + (v >> 1); }
};

template <typename T> __attribute__((noinline)) T sum_all(const std::vector<T> &v)
{
	Acc<T> a;
	for (const T &x : v)
		a.add(x);
	return a.total;
}

__attribute__((noinline)) long run(int n)
{
	std::vector<long> v;
	auto push = [&v](long x) __attribute__((always_inline)) { v.push_back(x * x); };
	for (int i = 0; i < n; i++)
		push(i);
	return sum_all(v) + sum_all(std::vector<int>(v.begin(), v.end()));
}

} // namespace rtprof_test

int main(int argc, char **argv)
{
	std::printf("%ld\n", rtprof_test::run(argc * 100));
	return 0;
}
