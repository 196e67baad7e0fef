#include <cblas.h>
// OpenBLAS extension: the number of threads BLAS calls may use (workers use one).
void openblas_set_num_threads(int num_threads);
// OpenBLAS extension: the name of the kernel set in use ("Haswell", "SkylakeX", …); with a
// DYNAMIC_ARCH build (Debian's) chosen when the library loads, or from OPENBLAS_CORETYPE.
char *openblas_get_corename(void);
