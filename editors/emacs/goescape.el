;;; goescape.el --- Go escape analysis through eglot  -*- lexical-binding: t -*-

;; Copyright (C) 2026 The goescape authors

;; Author: The goescape authors
;; Maintainer: The goescape authors
;; URL: https://github.com/goescape/goescape
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools
;; SPDX-License-Identifier: MIT

;; This file is not part of GNU Emacs.

;;; Commentary:

;; goescape is a language server that runs the Go compiler's escape analysis
;; (`go build -gcflags=-m=2') and reports every heap escape: as a diagnostic
;; (flymake, source "goescape", the category such as "map" or "closure" as its
;; code), as an inlay hint such as "heap: returned" (Emacs 29+ with
;; `eglot-inlay-hints-mode'), and in hovers (eldoc).
;;
;; Loading this file changes nothing.  `goescape-register' makes eglot
;; start goescape for `go-mode' and `go-ts-mode':
;;
;;   (require 'goescape)
;;   (goescape-register)
;;   (add-hook 'go-mode-hook #'eglot-ensure)
;;
;; The server is the `goescape' program on `exec-path', or the file named
;; by `goescape-server-path'.  Release archives with the binary for Linux
;; and macOS, and the build from source, are described at the URL above.
;;
;; eglot runs exactly one language server per buffer.  When gopls is on
;; `exec-path' (and `goescape-gopls' is on, the default), goescape runs in
;; companion mode (`goescape --gopls=PATH'): gopls runs inside goescape, so
;; the buffer keeps gopls's completion, navigation, rename, formatting and
;; diagnostics, and gets the escape diagnostics, hints and hovers beside
;; them.  Without gopls, goescape alone serves the buffer.  `M-x
;; goescape-unregister' gives the Go modes back to plain gopls.
;;
;; Settings are the customization group `goescape' (M-x customize-group RET
;; goescape).  Only those whose value differs from the standard one go to the
;; server, so its own defaults stand for the rest.  They are sent as
;; initializationOptions, answered on the server's workspace/configuration
;; requests (section "goescape"; a "goescape" section in
;; `eglot-workspace-configuration', e.g. from .dir-locals.el, wins), and pushed
;; to running servers when changed through customize or `setopt'.
;;
;; Commands: `goescape-analyze' re-runs the analysis of the current package,
;; `goescape-toggle' turns the escape hints on or off.
;;
;; Works with Emacs 28.1 + eglot 1.9 (diagnostics and hovers) and with Emacs
;; 29+ / eglot 1.12+ (also inlay hints).

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'url-util)

(declare-function eglot-inlay-hints-mode "eglot" (&optional arg))
(declare-function eglot-path-to-uri "eglot" (path))
(declare-function jit-lock-refontify "jit-lock" (&optional beg end))

(defgroup goescape nil
  "Go escape analysis in the editor, through eglot."
  :group 'tools
  :prefix "goescape-"
  :link '(emacs-commentary-link "goescape"))

(defvar goescape--ready nil
  "Non-nil once goescape.el is loaded; settings changes before are not pushed.")

(defun goescape--set (sym value)
  "Set SYM to VALUE and send the new settings to running goescape servers."
  (set-default sym value)
  (when goescape--ready
    (goescape-push-settings)))

(defcustom goescape-server-command '("goescape")
  "Command (program and arguments) that starts the goescape server.
The program is looked up on the variable `exec-path' unless it is
an absolute file name.  `goescape-server-path', when set, replaces
the program."
  :type '(repeat string))

(defcustom goescape-server-path nil
  "The goescape executable, or nil to search the variable `exec-path'.
When set, it replaces the program of `goescape-server-command' (its
arguments stay).  Takes effect when the next server starts."
  :type '(choice (const :tag "Search exec-path" nil) file))

(defconst goescape--category-choice
  '(choice (const map) (const closure) (const interface) (const slice)
           (const pointer) (const string) (const moved) (const other)
           (const param) (const noescape) (const static) (const inlined)))

(defcustom goescape-categories
  '((map . t) (closure . t) (interface . t) (slice . t) (pointer . t)
    (string . t) (moved . t) (other . t) (param . nil) (noescape . nil)
    (static . nil) (inlined . nil))
  "Which categories of findings are shown.
An alist of (CATEGORY . SHOW).  `param' (leaking parameters),
`noescape' (values that stay on the stack), `static' (values reported
as escaping that need no allocation, such as constants) and `inlined'
\(what another function's inlined body allocates at a call, other than
the value the call returns) are not heap escapes; hovers still explain
them."
  :type `(alist :key-type ,goescape--category-choice :value-type boolean)
  :set #'goescape--set)

(defcustom goescape-severity
  '((map . "information") (closure . "information") (interface . "information")
    (slice . "hint") (pointer . "hint") (string . "hint") (moved . "hint")
    (other . "hint") (param . "hint") (noescape . "hint") (static . "hint")
    (inlined . "hint"))
  "Diagnostic severity per category."
  :type `(alist :key-type ,goescape--category-choice
                :value-type (choice (const "error") (const "warning")
                                    (const "information") (const "hint")))
  :set #'goescape--set)

(defcustom goescape-inlay-hints t
  "Whether the server sends inlay hints such as \"heap: returned\"."
  :type 'boolean :set #'goescape--set)

(defcustom goescape-code-lens t
  "Whether the server sends code lenses."
  :type 'boolean :set #'goescape--set)

(defcustom goescape-hover-remedies t
  "Whether hovers include suggested remedies."
  :type 'boolean :set #'goescape--set)

(defcustom goescape-analyze-on "save"
  "When the analysis runs.
\"save\": on the first open of a package and on every save; \"open\": also
on every open; \"type\": also while typing, through an overlay of unsaved
buffers."
  :type '(choice (const "save") (const "open") (const "type"))
  :set #'goescape--set)

(defcustom goescape-debounce-ms 250
  "Delay in milliseconds from the last of a burst of saves to the analysis.
Edits count too when the analysis runs while typing.  A save after a
quiet spell of this length starts at once."
  :type 'natnum :set #'goescape--set)

(defcustom goescape-go-binary "go"
  "The go command."
  :type 'string :set #'goescape--set)

(defcustom goescape-build-flags nil
  "Extra flags for the go command, e.g. (\"-tags=integration\")."
  :type '(repeat string) :set #'goescape--set)

(defcustom goescape-env nil
  "Extra environment variables for the go command, an alist of (NAME . VALUE)."
  :type '(alist :key-type string :value-type string) :set #'goescape--set)

(defcustom goescape-extra-gcflags nil
  "Flags added after -m=2 in -gcflags, e.g. (\"-l\")."
  :type '(repeat string) :set #'goescape--set)

(defcustom goescape-include-tests t
  "Whether _test.go files are compiled too (go test -c)."
  :type 'boolean :set #'goescape--set)

(defcustom goescape-diagnostics-scope "open"
  "Which files get diagnostics, code lenses and status counts.
\"open\": the open buffers only; test files are compiled only while
one is open.  \"package\": every file of a package with an open buffer."
  :type '(choice (const "open") (const "package")) :set #'goescape--set)

(defcustom goescape-timeout-ms 120000
  "Milliseconds without progress after which the go command is stopped.
Progress is output or CPU time; a busy build goes on up to ten times
this long.  A stopped run is started once more."
  :type 'natnum :set #'goescape--set)

(defcustom goescape-compiler-nice 10
  "Nice value (0 to 19) of the go command and the compilers it starts.
The editor gets the CPU first while they run; 0 keeps normal priority."
  :type '(integer :tag "0 to 19") :set #'goescape--set)

(defcustom goescape-report-build-errors nil
  "Whether compile errors are published as diagnostics."
  :type 'boolean :set #'goescape--set)

(defcustom goescape-allow-module-downloads nil
  "Whether the go command may download modules and toolchains."
  :type 'boolean :set #'goescape--set)

(defcustom goescape-enable-inlay-hints-mode t
  "Whether to turn on `eglot-inlay-hints-mode' in buffers goescape manages.
Only where the mode exists (eglot 1.12 and later)."
  :type 'boolean)

;;;; Settings as JSON

(defun goescape--bool (v)
  "V as a JSON boolean."
  (if v t :json-false))

(defun goescape--object (alist convert)
  "ALIST as a JSON object (a hash table), values passed through CONVERT."
  (let ((h (make-hash-table :test #'equal)))
    (dolist (cell alist h)
      (puthash (format "%s" (car cell)) (funcall convert (cdr cell)) h))))

(defun goescape-settings ()
  "Return the goescape settings as the JSON object the server expects."
  (list :categories (goescape--object goescape-categories #'goescape--bool)
        :severity (goescape--object goescape-severity #'identity)
        :inlayHints (goescape--bool goescape-inlay-hints)
        :codeLens (goescape--bool goescape-code-lens)
        :hoverRemedies (goescape--bool goescape-hover-remedies)
        :analyzeOn goescape-analyze-on
        :debounceMs goescape-debounce-ms
        :goBinary goescape-go-binary
        :buildFlags (vconcat goescape-build-flags)
        :env (goescape--object goescape-env #'identity)
        :extraGcflags (vconcat goescape-extra-gcflags)
        :includeTests (goescape--bool goescape-include-tests)
        :diagnosticsScope goescape-diagnostics-scope
        :timeoutMs goescape-timeout-ms
        :compilerNice goescape-compiler-nice
        :reportBuildErrors (goescape--bool goescape-report-build-errors)
        :allowModuleDownloads (goescape--bool goescape-allow-module-downloads)))

;;;; The server class

(defclass eglot-goescape (eglot-lsp-server)
  ((goescape-sent :initform nil :accessor goescape--sent
                  :documentation "Keys of the settings sent to this server."))
  :documentation "The goescape language server.")

(defvar goescape--live nil
  "The goescape servers started in this session, running or not.")

(cl-defmethod initialize-instance :after ((server eglot-goescape) &optional _slots)
  "Add SERVER to `goescape--live'."
  (push server goescape--live))

;; Only the settings the user changed go to the server.  The server keeps a
;; value until it is sent another one, so a setting once sent to a server is
;; sent to it again when it is back at its standard value.

(defun goescape--variable (key)
  "The variable of the setting KEY, a keyword such as :inlayHints."
  (let ((case-fold-search nil))
    (intern (concat "goescape-"
                    (downcase (replace-regexp-in-string
                               "[A-Z]" "-\\&" (substring (symbol-name key) 1) t))))))

(defun goescape--customized-p (var)
  "Non-nil if VAR's value is not its standard value."
  (let ((standard (get var 'standard-value)))
    (or (null standard)
        (not (equal (symbol-value var) (eval (car standard) t))))))

(defun goescape--settings-for (server)
  "The settings to send SERVER, a JSON object (a hash table).
Those the user changed, and those sent to SERVER before; the server's
defaults stand for the rest."
  (let ((out (make-hash-table :test #'equal))
        (sent (and server (goescape--sent server))))
    (cl-loop for (key value) on (goescape-settings) by #'cddr
             when (or (memq key sent) (goescape--customized-p (goescape--variable key)))
             do (puthash (substring (symbol-name key) 1) value out)
             and do (when server (cl-pushnew key sent)))
    (when server (setf (goescape--sent server) sent))
    out))

(cl-defmethod eglot-initialization-options ((server eglot-goescape))
  "Send the settings the user changed as SERVER's initializationOptions.
They go in a \"goescape\" section, which is all goescape reads there in
companion mode: the rest is gopls's."
  (list :goescape (goescape--settings-for server)))

(defun goescape--empty-p (v)
  "Non-nil if V is nothing: nil or an empty hash table."
  (or (null v) (and (hash-table-p v) (zerop (hash-table-count v)))))

(cl-defmethod eglot-handle-request
  ((server eglot-goescape) (_method (eql workspace/configuration)) &key items)
  "Answer SERVER's ITEMS of section \"goescape\" with the settings.
A \"goescape\" section of `eglot-workspace-configuration' takes precedence."
  (let ((base (cl-call-next-method)))
    (apply #'vector
           (cl-loop for item across (vconcat items)
                    for i from 0
                    for v = (and (> (length base) i) (aref base i))
                    collect (if (and (equal (plist-get item :section) "goescape")
                                     (goescape--empty-p v))
                                (goescape--settings-for server)
                              v)))))

(defvar goescape-status nil
  "The latest goescape/status notification, a plist (:state :package ...).")

(defun goescape--buffers (server)
  "The live buffers SERVER manages."
  (cl-remove-if-not (lambda (buf)
                      (with-current-buffer buf
                        (and (eglot-managed-p) (eq (eglot-current-server) server))))
                    (buffer-list)))

(defvar-local goescape--hints-function nil
  "The function `eglot-inlay-hints-mode' puts on `jit-lock-functions'.")

(defvar-local goescape--hints-count 0
  "How often the inlay hints of the buffer were fetched again.")

(defun goescape--hints-function ()
  "The jit-lock function through which eglot fetches inlay hints, or nil.
It is the one `eglot-inlay-hints-mode' adds to `jit-lock-functions':
found once per buffer by turning the mode off and on."
  (or goescape--hints-function
      (let ((with jit-lock-functions))
        (eglot-inlay-hints-mode -1)
        (let ((fn (car (cl-set-difference with jit-lock-functions))))
          (eglot-inlay-hints-mode 1)
          (setq goescape--hints-function
                (and (memq fn jit-lock-functions) (functionp fn) fn))))))

(defun goescape--refresh-hints (server)
  "Fetch the inlay hints of SERVER's buffers again.
eglot asks for hints from jit-lock, when text is fontified for display,
and does not take the server's workspace/inlayHint/refresh: after an
analysis the hints of unchanged text would stay stale.  eglot's jit-lock
function is called for the text from the first line a window shows to
the end of the buffer; the rest is marked for refontification, which
asks for its hints when it is displayed.  eglot skips a request for the
same region as its previous one, so the region ends past the end of the
buffer, where jit-lock never reaches, by one more each time."
  (dolist (buf (goescape--buffers server))
    (with-current-buffer buf
      (let ((fn (and (bound-and-true-p eglot-inlay-hints-mode)
                     (bound-and-true-p jit-lock-mode)
                     (goescape--hints-function))))
        (when fn
          (let ((from (apply #'min (point-max)
                             (mapcar #'window-start (get-buffer-window-list buf nil t)))))
            (cl-incf goescape--hints-count)
            (save-restriction
              (widen)
              (when (> from (point-min))
                (jit-lock-refontify (point-min) from))
              (with-demoted-errors "goescape: refreshing inlay hints: %S"
                (funcall fn from (+ (point-max) goescape--hints-count))))))))))

(cl-defmethod eglot-client-capabilities ((_server eglot-goescape))
  "Eglot's capabilities, and workspace/inlayHint/refresh, which goescape.el takes."
  (let* ((caps (cl-call-next-method))
         (workspace (plist-get caps :workspace)))
    (plist-put caps :workspace
               (plist-put workspace :inlayHint (list :refreshSupport t)))))

(cl-defmethod eglot-handle-request
  ((server eglot-goescape) (_method (eql workspace/inlayHint/refresh)) &rest _)
  "The server has new inlay hints: fetch those of SERVER's displayed text."
  (goescape--refresh-hints server)
  nil)

(cl-defmethod eglot-handle-notification
  ((server eglot-goescape) (_method (eql goescape/status))
   &rest params &key state &allow-other-keys)
  "Keep the status PARAMS of SERVER; refresh hints when an analysis ends.
STATE is \"idle\", \"analyzing\" or \"failed\"."
  (setq goescape-status params)
  (when (member state '("idle" "failed"))
    (goescape--refresh-hints server))
  (force-mode-line-update t))

;;;; Registration

(defconst goescape--modes '(go-mode go-ts-mode)
  "Major modes goescape serves.")

(defcustom goescape-gopls t
  "Whether goescape runs gopls inside it (companion mode).
t: when gopls is on the variable `exec-path'; a file name: that gopls;
nil: never (goescape alone serves Go buffers).  Takes effect when the
next server starts."
  :type '(choice (const :tag "gopls from exec-path" t)
                 (const :tag "Never" nil)
                 (file :tag "This gopls")))

(defun goescape--gopls ()
  "Return the gopls program for companion mode, or nil."
  (cond ((stringp goescape-gopls) (expand-file-name goescape-gopls))
        (goescape-gopls (executable-find "gopls"))))

(defun goescape--contact (&optional _interactive _project)
  "The eglot contact for goescape, in companion mode when gopls is found."
  (let* ((command (if (and goescape-server-path (not (equal goescape-server-path "")))
                      (cons (expand-file-name goescape-server-path)
                            (cdr goescape-server-command))
                    goescape-server-command))
         (gopls (goescape--gopls)))
    (cons 'eglot-goescape
          (if (and gopls
                   (not (cl-some (lambda (a) (string-prefix-p "--gopls" a)) command)))
              (append command (list (concat "--gopls=" gopls)))
            command))))

;;;###autoload
(defun goescape-register ()
  "Make eglot start goescape for `go-mode' and `go-ts-mode' buffers.
With gopls found (see `goescape-gopls'), goescape runs it inside and the
buffers keep gopls's features; without, goescape replaces gopls there."
  (interactive)
  (require 'eglot)
  (goescape-unregister)
  (push (cons goescape--modes #'goescape--contact) eglot-server-programs)
  (add-hook 'eglot-managed-mode-hook #'goescape--managed))

;;;###autoload
(defun goescape-unregister ()
  "Remove goescape from `eglot-server-programs' (gopls serves Go again)."
  (interactive)
  (setq eglot-server-programs
        (cl-remove-if (lambda (entry) (eq (cdr entry) #'goescape--contact))
                      eglot-server-programs)))

(defun goescape--servers ()
  "Running goescape servers."
  (setq goescape--live (cl-remove-if-not #'jsonrpc-running-p goescape--live)))

(defun goescape--push (server)
  "Send the settings to SERVER in workspace/didChangeConfiguration."
  (jsonrpc-notify server :workspace/didChangeConfiguration
                  (list :settings (list :goescape (goescape--settings-for server)))))

(defun goescape-push-settings ()
  "Send the current settings to every running goescape server."
  (interactive)
  (mapc #'goescape--push (goescape--servers)))

(defun goescape--server ()
  "The goescape server of the current buffer, or an error."
  (let ((server (eglot-current-server)))
    (unless (cl-typep server 'eglot-goescape)
      (user-error "No goescape server manages this buffer (M-x eglot in a Go buffer)"))
    server))

(defun goescape--uri (file)
  "The file: URI of FILE, as eglot writes it.
Where eglot has no `eglot-path-to-uri' (1.9), its way is repeated here."
  (if (fboundp 'eglot-path-to-uri)
      (eglot-path-to-uri file)
    (let ((allowed (copy-sequence url-path-allowed-chars)))
      (aset allowed ?: nil)
      (concat "file://" (if (eq system-type 'windows-nt) "/")
              (url-hexify-string (file-local-name (file-truename file)) allowed)))))

;;;###autoload
(defun goescape-analyze ()
  "Re-run the escape analysis of the current buffer's package now."
  (interactive)
  (let ((server (goescape--server)))
    (jsonrpc-request server :workspace/executeCommand
                     (list :command "goescape.analyze"
                           :arguments (vector (goescape--uri buffer-file-name))))
    (message "goescape: analyzing %s" (file-name-nondirectory buffer-file-name))))

;;;###autoload
(defun goescape-toggle (&optional arg)
  "Toggle the escape hints.
With a positive prefix ARG turn them on, with zero or negative off."
  (interactive "P")
  (let* ((server (goescape--server))
         (args (if arg (vector (goescape--bool (> (prefix-numeric-value arg) 0))) []))
         (result (jsonrpc-request server :workspace/executeCommand
                                  (list :command "goescape.toggle" :arguments args)))
         (on (plist-get result :inlayHints)))
    (goescape--refresh-hints server)
    (message "goescape: escape hints %s" (if (eq on t) "on" "off"))
    (eq on t)))

(defun goescape--managed ()
  "Turn on inlay hints in buffers managed by goescape."
  (when (and goescape-enable-inlay-hints-mode
             (fboundp 'eglot-inlay-hints-mode)
             (eglot-managed-p)
             (cl-typep (eglot-current-server) 'eglot-goescape))
    (let ((before jit-lock-functions)
          (was-on (bound-and-true-p eglot-inlay-hints-mode)))
      (eglot-inlay-hints-mode 1)
      (unless was-on
        (setq goescape--hints-function
              (car (cl-set-difference jit-lock-functions before)))))))

(setq goescape--ready t)

(provide 'goescape)
;;; goescape.el ends here
