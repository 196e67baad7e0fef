#define _GNU_SOURCE
#include "cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// XGETBV by its opcode bytes, so that no -mxsave flag is needed. Only valid when CPUID.1:ECX
/// reports OSXSAVE; otherwise it raises #UD.
static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

hpo_cpu_features hpo_read_cpu_features(void) {
    hpo_cpu_features f = {0, 0, 0, 0, 0};
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
    int osxsave = (ecx >> 27) & 1, has_avx = (ecx >> 28) & 1, has_fma = (ecx >> 12) & 1;
    if (!osxsave || !has_avx) return f;
    unsigned long long xcr0 = read_xcr0();
    int ymm_state = (xcr0 & 0x6) == 0x6;            // SSE and AVX (YMM upper halves)
    int zmm_state = ymm_state && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM0-15 upper, ZMM16-31
    if (!ymm_state) return f;
    f.avx = 1;
    f.fma = has_fma;
    if (__get_cpuid_max(0, 0) < 7) return f;
    unsigned int b7 = 0, c7 = 0, d7 = 0, a7 = 0;
    __cpuid_count(7, 0, a7, b7, c7, d7);
    f.avx2 = (b7 >> 5) & 1;
    int f512 = (b7 >> 16) & 1, dq = (b7 >> 17) & 1, cd = (b7 >> 28) & 1, bw = (b7 >> 30) & 1, vl = (b7 >> 31) & 1;
    f.avx512 = zmm_state && f512 && dq && cd && bw && vl;
    if (f.avx512 && a7 >= 1) {
        unsigned int a71, b71, c71, d71;
        __cpuid_count(7, 1, a71, b71, c71, d71);
        f.avx512bf16 = (a71 >> 5) & 1;
    }
    return f;
}

#else

hpo_cpu_features hpo_read_cpu_features(void) {
    hpo_cpu_features f = {0, 0, 0, 0, 0};
    return f;
}

#endif

#if defined(__linux__)
#include <sched.h>

int hpo_affinity_cpus(int pid) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(pid, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
}
#else
int hpo_affinity_cpus(int pid) {
    (void)pid;
    return 0;
}
#endif
