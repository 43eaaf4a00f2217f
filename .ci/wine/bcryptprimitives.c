/* A stand-in for Windows' bcryptprimitives.dll, for running the Windows build's tests under
 * Debian 12's Wine 8, which lacks it. Rust's standard library (1.78 on) imports ProcessPrng from
 * it for random numbers; this answers with RtlGenRandom (advapi32's SystemFunction036), which
 * Wine has. Built and installed into the Wine prefix by .ci/run; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
