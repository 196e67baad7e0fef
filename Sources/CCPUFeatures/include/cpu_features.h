#ifndef HPO_CPU_FEATURES_H
#define HPO_CPU_FEATURES_H

/// What this x86-64 CPU can run *and* the operating system has enabled: an instruction set
/// counts only when CPUID lists it and XCR0 (read with XGETBV, only when CPUID says OSXSAVE)
/// shows that the kernel saves the registers it uses (YMM for AVX/AVX2/FMA; opmask and ZMM for
/// AVX-512). A vector extension the OS has not enabled faults like a missing one, so both count.
/// On other architectures every field is 0.
typedef struct {
    int avx;       ///< AVX with YMM state enabled
    int avx2;      ///< AVX2 (and AVX usable)
    int fma;       ///< FMA3 (and AVX usable)
    int avx512;    ///< AVX-512 F, CD, BW, DQ and VL, with opmask and ZMM state enabled
    int avx512bf16;///< AVX512_BF16 (and avx512)
} hpo_cpu_features;

/// Reads CPUID and XCR0 of the calling CPU.
hpo_cpu_features hpo_read_cpu_features(void);

/// How many CPUs the process `pid` (0: the calling thread) may run on: the size of its affinity
/// mask (sched_getaffinity, which Swift's Glibc module does not export); 0 where unknown.
int hpo_affinity_cpus(int pid);

#endif
