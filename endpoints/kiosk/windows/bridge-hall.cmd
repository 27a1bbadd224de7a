@echo off
rem bridge-hall.cmd - opens this hall's join link full screen in Google Chrome (or Chromium).
rem The policies (bridge-hall.reg or bridge-hall.ps1) grant the camera and microphone and
rem allow sound; these flags are belt and braces. Started at login from the Startup folder.
setlocal
set "LINK=https://BRIDGE:8443/site/ID?kiosk=1#token=TOKEN"
if not "%~1"=="" set "LINK=%~1"
set "BROWSER=%ProgramFiles%\Google\Chrome\Application\chrome.exe"
if not exist "%BROWSER%" set "BROWSER=%ProgramFiles(x86)%\Google\Chrome\Application\chrome.exe"
if not exist "%BROWSER%" set "BROWSER=%LocalAppData%\Chromium\Application\chrome.exe"
if not exist "%BROWSER%" (
  echo Khong tim thay Google Chrome / Google Chrome not found
  exit /b 1
)
start "" "%BROWSER%" --kiosk --start-fullscreen --noerrdialogs --disable-session-crashed-bubble --autoplay-policy=no-user-gesture-required --no-first-run --user-data-dir="%LocalAppData%\bridge-hall" "%LINK%"
