/* A stand-in for Windows' bcryptprimitives.dll, for running the Windows test binaries under Wine only; never
 * shipped. Rust's standard library takes its random numbers from ProcessPrng (Windows 10 and later), which
 * Wine 8 does not provide; this forwards it to RtlGenRandom (advapi32's SystemFunction036), which Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
