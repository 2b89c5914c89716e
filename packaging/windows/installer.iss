; Inno Setup 6 script for the Windows installer of Foundry Local Bench.
;
; packaging/build.py runs it after PyInstaller when `iscc` is installed, passing:
;   /DAppVersion=0.1.0  /DAppSourceDir=<dist\foundry-bench>  /DOutputDir=<dist>
;   /DOutputBaseName=Foundry-Local-Bench-0.1.0-windows-x64-setup
; The defaults below let `iscc packaging\windows\installer.iss` work from a checkout too
; (relative paths are relative to this file).
;
; The app writes only to per-user folders, so installing into Program Files is safe; a user
; without admin rights can choose "install for me only" instead (PrivilegesRequiredOverridesAllowed).
; Uninstalling leaves the user's runs, settings and model cache alone.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef AppSourceDir
  #define AppSourceDir "..\..\dist\foundry-bench"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputBaseName
  #define OutputBaseName "Foundry-Local-Bench-" + AppVersion + "-windows-x64-setup"
#endif

#define AppName "Foundry Local Bench"
#define AppExe "foundry-bench.exe"

[Setup]
; Never change AppId: Windows uses it to find the installed copy to upgrade or uninstall.
AppId={{56B1AB06-5BDE-4632-9FA7-911D832BA48E}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Foundry Local Bench contributors
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
; The runtime and ONNX Runtime builds are x64 only.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseName}
SetupIconFile=..\icons\foundry-bench.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#AppSourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
