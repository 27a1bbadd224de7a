# bridge-hall.ps1 - installs this hall PC kit on Windows. In PowerShell run as administrator:
#   powershell -ExecutionPolicy Bypass -File bridge-hall.ps1
# It writes the policies of bridge-hall.json (next to this script) for Google Chrome and
# Chromium (HKLM\SOFTWARE\Policies\...), installs ..\ca.crt (if there) as a trusted root,
# and puts bridge-hall.cmd in the Startup folder of every user, so the hall link opens full
# screen at login. Check with chrome://policy afterwards.
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$policies = Get-Content -Raw -Encoding UTF8 (Join-Path $here "bridge-hall.json") | ConvertFrom-Json

foreach ($root in "HKLM:\SOFTWARE\Policies\Google\Chrome", "HKLM:\SOFTWARE\Policies\Chromium") {
  New-Item -Path $root -Force | Out-Null
  foreach ($p in $policies.PSObject.Properties) {
    $value = $p.Value
    if ($value -is [System.Array]) {
      # A list policy is a subkey with values named 1, 2, 3 ...
      $key = Join-Path $root $p.Name
      if (Test-Path $key) { Remove-Item -Path $key -Recurse -Force }
      New-Item -Path $key -Force | Out-Null
      for ($i = 0; $i -lt $value.Count; $i++) {
        New-ItemProperty -Path $key -Name ($i + 1) -Value ([string]$value[$i]) -PropertyType String -Force | Out-Null
      }
    } elseif ($value -is [bool]) {
      New-ItemProperty -Path $root -Name $p.Name -Value ([int]$value) -PropertyType DWord -Force | Out-Null
    } elseif ($value -is [int] -or $value -is [long]) {
      New-ItemProperty -Path $root -Name $p.Name -Value ([int]$value) -PropertyType DWord -Force | Out-Null
    } else {
      New-ItemProperty -Path $root -Name $p.Name -Value ([string]$value) -PropertyType String -Force | Out-Null
    }
  }
}

$ca = Join-Path (Split-Path -Parent $here) "ca.crt"
if (Test-Path $ca) {
  Import-Certificate -FilePath $ca -CertStoreLocation Cert:\LocalMachine\Root | Out-Null
}

$target = Join-Path $env:ProgramData "bridge-hall"
New-Item -ItemType Directory -Path $target -Force | Out-Null
Copy-Item (Join-Path $here "bridge-hall.cmd") $target -Force
$startup = [Environment]::GetFolderPath("CommonStartup")
$shell = New-Object -ComObject WScript.Shell
$link = $shell.CreateShortcut((Join-Path $startup "Bridge hall.lnk"))
$link.TargetPath = Join-Path $target "bridge-hall.cmd"
$link.WindowStyle = 7  # minimised: only the browser shows
$link.Save()
Write-Output "OK: policies, CA and Startup shortcut installed. Check chrome://policy."
