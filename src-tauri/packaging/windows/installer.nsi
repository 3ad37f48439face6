; The Windows installer of PAT Desk: PAT-Desk_<version>_x64-setup.exe, built by scripts/windows/package.sh
; (`make package-windows`) with Debian's makensis 3.08. It installs for the current person only, without
; administrator rights, into %LOCALAPPDATA%\Programs\PAT Desk: patdesk.exe (the app), patdesk-cli.exe (PAT Desk
; on the command line, for scripts) and the licence; a Start-menu entry, a desktop shortcut if asked for (off by
; default), and an uninstaller listed in Settings > Apps ("Apps & features"). When Microsoft's WebView2 runtime,
; which draws PAT Desk's window, is missing, it says so and offers Microsoft's download page.
;
; Why NSIS and not an MSI (Debian's wixl, from msitools): a person with no administrator rights can install it
; (an MSI can be per-user too, but wixl's per-user support and its UI are minimal); it can ask about WebView2
; in plain words and open the download page, which an MSI without custom actions cannot; and it is a single
; file to double-click, with its own uninstaller. An MSI is the better route for IT departments that deploy
; software to many PCs (Intune, Group Policy): a possible later addition beside this installer.
; The Tauri bundler's own NSIS target is not used: it downloads a plugin (nsis_tauri_utils.dll) at build time.
;
; `Target amd64-unicode` makes a 64-bit installer (it runs on 64-bit Windows, as PAT Desk does, and under
; Debian's wine64 in the tests). Only plugins shipped with Debian's nsis are used.
;
; Defines passed by the build script with -D (read from Cargo.toml and src-tauri/tauri.conf.json):
;   PRODUCT_NAME, PUBLISHER, IDENTIFIER, SHORT_DESCRIPTION, VERSION (0.1.0), VERSION_NUMERIC (0.1.0.0),
;   APP_FILE and CLI_FILE (the built patdesk.exe and patdesk-cli.exe), LICENSE_FILE (the licence, one line a
;   paragraph so that the licence page wraps it to its width), ICON_FILE, OUT_FILE;
;   URL_INFO_ABOUT optionally (the project's web page, shown in Settings > Apps); LOADER_FILE when patdesk.exe
;   loads Microsoft's WebView2Loader.dll from its folder (a build with the GNU toolchain does).
; Exit codes: 0 installed / removed; 1 cancelled by the person; 2 refused because PAT Desk is open.

Target amd64-unicode
Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!define APP_EXE "patdesk.exe"
!define CLI_EXE "patdesk-cli.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${IDENTIFIER}"
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_DOWNLOAD "https://go.microsoft.com/fwlink/p/?LinkId=2124703"
!define SHORTCUT_NAME "${PRODUCT_NAME}.lnk"

Name "${PRODUCT_NAME}"
OutFile "${OUT_FILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT_NAME}"
; An earlier install elsewhere is updated in its own folder.
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${PRODUCT_NAME} ${VERSION}"
ShowInstDetails nevershow
ShowUninstDetails nevershow

; ---- The installer file's own properties (Windows shows them under Properties > Details) ----
VIProductVersion "${VERSION_NUMERIC}"
VIFileVersion "${VERSION_NUMERIC}"

; ---- Pages, in plain words ----
!define MUI_ICON "${ICON_FILE}"
!define MUI_UNICON "${ICON_FILE}"
!define MUI_ABORTWARNING
!define MUI_ABORTWARNING_TEXT "Stop installing PAT Desk? Nothing has been changed on this computer yet."

!define MUI_WELCOMEPAGE_TITLE "Install PAT Desk ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "PAT Desk keeps all your Azure DevOps personal access tokens in one list: \
which ones still work, which expire soon and which were revoked.$\r$\n$\r$\n\
It is installed for you only, in a folder of your own, so you do not need to be an administrator \
of this computer.$\r$\n$\r$\nChoose Next to go on."
!insertmacro MUI_PAGE_WELCOME

!define MUI_LICENSEPAGE_TEXT_TOP "PAT Desk is free software. These are the terms under which you may use it."
!define MUI_LICENSEPAGE_TEXT_BOTTOM "If you accept these terms, choose I Agree to go on."
!insertmacro MUI_PAGE_LICENSE "${LICENSE_FILE}"

!define MUI_DIRECTORYPAGE_TEXT_TOP "PAT Desk will be installed in the folder below, which belongs to you alone. \
To put it somewhere else, choose Browse. Then choose Install."
!insertmacro MUI_PAGE_DIRECTORY

!insertmacro MUI_PAGE_INSTFILES

!define MUI_FINISHPAGE_TITLE "PAT Desk is installed"
; Room for the three paragraphs above the tick boxes.
!define MUI_FINISHPAGE_TEXT_LARGE
!define MUI_FINISHPAGE_TEXT "You will find PAT Desk in the Start menu.$\r$\n$\r$\n\
Its folder also holds patdesk-cli.exe, PAT Desk for the command line, if you want to use it in scripts.$\r$\n$\r$\n\
To remove PAT Desk later, open Settings > Apps > Installed apps."
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open PAT Desk"
; The finish page's second tick box makes the desktop shortcut; it starts unticked.
!define MUI_FINISHPAGE_SHOWREADME ""
!define MUI_FINISHPAGE_SHOWREADME_TEXT "Put a shortcut to PAT Desk on the desktop"
!define MUI_FINISHPAGE_SHOWREADME_FUNCTION MakeDesktopShortcut
!define MUI_FINISHPAGE_SHOWREADME_NOTCHECKED
!insertmacro MUI_PAGE_FINISH

!define MUI_UNCONFIRMPAGE_TEXT_TOP "PAT Desk will be removed from the folder below. Close PAT Desk first if it is open."
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

VIAddVersionKey "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "Copyright (c) ${PUBLISHER}. MIT licence."
VIAddVersionKey "FileDescription" "${PRODUCT_NAME} ${VERSION} setup"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"

; ---- PAT Desk must not be open while its files are replaced or removed ----
; A program that is running cannot be opened for writing on Windows (its file is in use), so trying to open
; patdesk.exe and patdesk-cli.exe for writing tells, for this very folder, whether either is running.
!macro REFUSE_WHILE_OPEN_FUNCTION PREFIX
Function ${PREFIX}RefuseWhileOpen
  Push $0
  Push $1
  retry:
  StrCpy $1 ""
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    ClearErrors
    FileOpen $0 "$INSTDIR\${APP_EXE}" a
    ${If} ${Errors}
      StrCpy $1 "open"
    ${Else}
      FileClose $0
    ${EndIf}
  ${EndIf}
  ${If} ${FileExists} "$INSTDIR\${CLI_EXE}"
    ClearErrors
    FileOpen $0 "$INSTDIR\${CLI_EXE}" a
    ${If} ${Errors}
      StrCpy $1 "open"
    ${Else}
      FileClose $0
    ${EndIf}
  ${EndIf}
  ${If} $1 == "open"
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "PAT Desk is open. Please close it (all its windows, and \
patdesk-cli if it runs in a command window), then choose Retry.$\r$\n$\r$\nChoose Cancel to stop: nothing \
will be changed." /SD IDCANCEL IDRETRY retry
    DetailPrint "PAT Desk is open: nothing was changed."
    SetErrorLevel 2
    Quit
  ${EndIf}
  Pop $1
  Pop $0
FunctionEnd
!macroend
!insertmacro REFUSE_WHILE_OPEN_FUNCTION ""
!insertmacro REFUSE_WHILE_OPEN_FUNCTION "un."

; ---- WebView2: the part of Windows that draws PAT Desk's window ----
; Microsoft's documented check: the value `pv` of the runtime's EdgeUpdate client key, machine-wide (the 32-bit
; or 64-bit registry) or for this person; empty or 0.0.0.0 means it is not installed. Pushes 1 or 0.
Function WebView2Installed
  Push $0
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\${WEBVIEW2_CLIENT}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    StrCpy $0 0
  ${Else}
    StrCpy $0 1
  ${EndIf}
  Exch $0
FunctionEnd

; Says so when WebView2 is missing and offers Microsoft's download page. When installing silently (/S) it asks
; nothing and goes on: PAT Desk itself explains what is missing when it starts.
Function OfferWebView2
  Call WebView2Installed
  Pop $0
  ${If} $0 == 1
    Return
  ${EndIf}
  DetailPrint "Microsoft Edge WebView2 Runtime is not installed: PAT Desk needs it to open its window."
  MessageBox MB_YESNO|MB_ICONINFORMATION "PAT Desk is installed, but this computer is missing one free part \
from Microsoft that PAT Desk needs to show its window: the Microsoft Edge WebView2 Runtime.$\r$\n$\r$\n\
Open Microsoft's download page now? There, choose the Evergreen Bootstrapper, run it, and then open PAT Desk.\
$\r$\n$\r$\nIf you choose No, PAT Desk will remind you when you open it." /SD IDNO IDNO done
  ExecShell "open" "${WEBVIEW2_DOWNLOAD}"
  done:
FunctionEnd

Function MakeDesktopShortcut
  CreateShortcut "$DESKTOP\${SHORTCUT_NAME}" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0 \
    SW_SHOWNORMAL "" "${SHORT_DESCRIPTION}"
FunctionEnd

Section "PAT Desk" SectionApp
  SetShellVarContext current
  Call RefuseWhileOpen
  SetOutPath "$INSTDIR"
  File "/oname=${APP_EXE}" "${APP_FILE}"
  File "/oname=${CLI_EXE}" "${CLI_FILE}"
  !ifdef LOADER_FILE
    File "/oname=WebView2Loader.dll" "${LOADER_FILE}"
  !endif
  File "/oname=LICENSE.txt" "${LICENSE_FILE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${SHORTCUT_NAME}" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0 \
    SW_SHOWNORMAL "" "${SHORT_DESCRIPTION}"

  ; Listed in Settings > Apps for this person only (HKCU), as a per-user install is.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  !ifdef URL_INFO_ABOUT
    WriteRegStr HKCU "${UNINSTALL_KEY}" "URLInfoAbout" "${URL_INFO_ABOUT}"
  !endif
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

  Call OfferWebView2
SectionEnd

Function un.onInit
  SetShellVarContext current
  Call un.RefuseWhileOpen
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\uninstall.exe"
  ; Only if empty: the folder may have been chosen by the person and hold other things.
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${SHORTCUT_NAME}"
  Delete "$DESKTOP\${SHORTCUT_NAME}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"

  ; The settings (organizations, reminders, window place) and the log: kept unless the person says otherwise,
  ; and always kept when removing silently.
  ${If} ${FileExists} "$APPDATA\${IDENTIFIER}\*.*"
  ${OrIf} ${FileExists} "$LOCALAPPDATA\${IDENTIFIER}\*.*"
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "Also delete your PAT Desk settings and its log?$\r$\n$\r$\n\
Choose No to keep them, for example if you install PAT Desk again later. Your tokens themselves stay in \
Azure DevOps either way." /SD IDNO IDNO keep
    RMDir /r "$APPDATA\${IDENTIFIER}"
    RMDir /r "$LOCALAPPDATA\${IDENTIFIER}"
    keep:
  ${EndIf}
SectionEnd
