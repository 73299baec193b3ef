;;; test.el --- real-editor test of editors/emacs/goescape.el  -*- lexical-binding: t -*-
;;
;;   emacs --batch -q -l tests/e2e/emacs/test.el
;;
;; env: GOESCAPE_BIN, E2E_EXPECT (resolved expectations, see lib/expect.py),
;;      E2E_PLUGIN (editors/emacs), E2E_RESULT (file for the PASS/FAIL lines),
;;      E2E_WAIT_MS (per-step limit, default 60000)
;; Emacs with `eglot-inlay-hints-mode' (30 + eglot 1.17): flymake diagnostics, inlay hint
;; overlays, hover, goescape-toggle, a save that re-analyzes, a live setting change.
;; Emacs 28 + eglot 1.9: flymake diagnostics, hover and a save.

(require 'package)
(package-initialize)                    ; Debian's elpa-eglot / elpa-go-mode on Emacs 28
(unless (require 'go-mode nil t)        ; an Emacs that is not Debian's (Emacs 30 unpacked)
  (dolist (d (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa-src/go-mode-*"))
    (add-to-list 'load-path d))
  (let ((byte-compile-warnings nil)) (require 'go-mode nil t)))
(unless (fboundp 'go-mode)
  (error "go-mode is not installed (apt-get install elpa-go-mode)"))
(add-to-list 'load-path (getenv "E2E_PLUGIN"))
(require 'eglot)
(require 'flymake)
(require 'json)
(require 'goescape)

(defvar e2e-result (getenv "E2E_RESULT"))
(defvar e2e-wait (/ (string-to-number (or (getenv "E2E_WAIT_MS") "60000")) 1000.0))
(defvar e2e-t0 (float-time))
(defvar e2e-lines nil)
(defvar e2e-failures 0)

(defun e2e-log (fmt &rest args)
  (let ((s (format "[%6.0f ms] %s" (* 1000 (- (float-time) e2e-t0)) (apply #'format fmt args))))
    (push s e2e-lines)
    (princ (concat s "\n") #'external-debugging-output)))

(defun e2e-check (ok what)
  (e2e-log "%s%s" (if ok "ok   " "FAIL ") what)
  (unless ok (cl-incf e2e-failures))
  ok)

(defun e2e-finish (code)
  (let ((pass (and (= code 0) (= e2e-failures 0))))
    (e2e-log "%s: %d failure(s)" (if pass "PASS" "FAIL") e2e-failures)
    (with-temp-file e2e-result
      (insert (mapconcat #'identity (reverse e2e-lines) "\n") "\n"))
    (ignore-errors
      (let ((s (eglot-current-server)))
        (when s (let ((eglot-autoshutdown nil)) (eglot-shutdown s)))))
    (kill-emacs (if pass 0 1))))

(defun e2e-wait (pred &optional secs)
  "Run the event loop until PRED is non-nil or SECS pass; return PRED's value."
  (let ((deadline (+ (float-time) (or secs e2e-wait))) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      (when (bound-and-true-p flymake-mode) (flymake-start)))
    v))

(defvar E (let ((json-object-type 'plist) (json-array-type 'list) (json-key-type 'keyword))
            (json-read-file (getenv "E2E_EXPECT"))))

(defun e2e-diags ()
  "goescape diagnostics as (LINE0 CATEGORY TEXT)."
  (cl-loop for d in (flymake-diagnostics)
           for data = (flymake-diagnostic-data d)
           for lsp = (and (listp data) (cdr (assoc 'eglot-lsp-diag data)))
           when (equal (plist-get lsp :source) "goescape")
           collect (list (1- (line-number-at-pos (flymake-diagnostic-beg d)))
                         (plist-get lsp :code)
                         (flymake-diagnostic-text d))))

(defun e2e-has-diag (line category)
  (cl-some (lambda (d) (and (= (nth 0 d) line) (equal (nth 1 d) category))) (e2e-diags)))

(defun e2e-all-expected ()
  (cl-every (lambda (e) (e2e-has-diag (plist-get e :line) (plist-get e :category)))
            (plist-get E :diagnostics)))

(defun e2e-hints ()
  "goescape inlay hint overlays as (LINE0 . TEXT)."
  (cl-loop for o in (overlays-in (point-min) (point-max))
           when (overlay-get o 'eglot--inlay-hint)
           collect (cons (1- (line-number-at-pos (overlay-start o)))
                         (substring-no-properties
                          (or (overlay-get o 'before-string) (overlay-get o 'after-string) "")))))

(defun e2e-hint-at (line)
  (cl-some (lambda (h) (and (= (car h) line) (string-match-p (regexp-quote (plist-get E :hint_contains)) (cdr h))))
           (e2e-hints)))

(defun e2e-pos (line character)
  (save-excursion
    (goto-char (point-min)) (forward-line line) (forward-char character) (point)))

(defun e2e-run ()
  (e2e-log "emacs %s, eglot %s, eglot-inlay-hints-mode: %s" emacs-version
           (let ((d (cadr (assq 'eglot package-alist)))
                 (b (cdr (assq 'eglot package--builtin-versions))))
             (cond (d (package-version-join (package-desc-version d)))
                   (b (concat (package-version-join b) " (built-in)"))
                   (t "unknown")))
           (fboundp 'eglot-inlay-hints-mode))
  (setq goescape-server-command (list (getenv "GOESCAPE_BIN")))
  (setq eglot-sync-connect e2e-wait)
  (find-file (plist-get E :file))
  (e2e-log "major mode: %s" major-mode)
  ;; eglot-ensure waits for post-command-hook, which never runs in batch: start directly.
  (let ((contact (eglot--guess-contact)))
    (e2e-check (eq (nth 2 contact) 'eglot-goescape) (format "eglot-server-programs gives goescape for %s (class %s)" major-mode (nth 2 contact)))
    (apply #'eglot contact))
  (let ((server (eglot-current-server)))
    (unless (e2e-check (cl-typep server 'eglot-goescape) "an eglot-goescape server manages the buffer")
      (e2e-finish 1))
    (e2e-check (equal (file-name-as-directory (expand-file-name (project-root (eglot--project server))))
                      (file-name-as-directory (plist-get E :module)))
               (format "project root is the module: %s" (project-root (eglot--project server)))))
  (flymake-mode 1)
  (flymake-start)

  ;; 1. flymake diagnostics with the right categories at the right lines
  (e2e-wait #'e2e-all-expected)
  (e2e-log "diagnostics:")
  (dolist (d (e2e-diags)) (e2e-log "  diag line %d [%s] %s" (1+ (nth 0 d)) (nth 1 d) (nth 2 d)))
  (dolist (e (plist-get E :diagnostics))
    (e2e-check (e2e-has-diag (plist-get e :line) (plist-get e :category))
               (format "flymake diagnostic [%s] at line %d (%s)" (plist-get e :category) (1+ (plist-get e :line)) (plist-get e :text))))
  (unless (e2e-all-expected) (e2e-finish 1))

  ;; 2. hover: textDocument/hover through eglot's connection, and eldoc where eglot has it
  (let* ((h (plist-get E :hover))
         (want (plist-get h :contains)))
    (goto-char (e2e-pos (plist-get h :line) (plist-get h :character)))
    (let* ((resp (jsonrpc-request (eglot-current-server) :textDocument/hover
                                  (eglot--TextDocumentPositionParams)))
           (contents (plist-get resp :contents))
           (text (if (stringp contents) contents (or (plist-get contents :value) (format "%S" contents)))))
      (e2e-log "hover: %s" (replace-regexp-in-string "\n" " | " (truncate-string-to-width (or text "") 300)))
      (e2e-check (and text (string-match-p (regexp-quote want) text))
                 (format "hover at line %d mentions %S" (1+ (plist-get h :line)) want)))
    (when (fboundp 'eglot-hover-eldoc-function)
      (let (doc)
        (eglot-hover-eldoc-function (lambda (d &rest _) (setq doc (or d "")) t))
        (e2e-wait (lambda () doc) 10)
        (e2e-log "eldoc: %s" (replace-regexp-in-string "\n" " | " (truncate-string-to-width (format "%s" doc) 300)))
        (e2e-check (and (stringp doc) (string-match-p (regexp-quote want) doc))
                   (format "eldoc (eglot-hover-eldoc-function) mentions %S" want)))))

  (when (fboundp 'eglot-inlay-hints-mode)
    ;; 3. inlay hint overlays at the expected lines. jit-lock does not run in batch mode:
    ;; they come from goescape.el's refresh at the end of each analysis.
    (e2e-check (bound-and-true-p eglot-inlay-hints-mode) "eglot-inlay-hints-mode is on")
    (let ((want (cl-remove-if-not (lambda (e) (eq (plist-get e :hint) t)) (plist-get E :diagnostics))))
      (e2e-wait (lambda () (cl-every (lambda (e) (e2e-hint-at (plist-get e :line))) want)))
      (dolist (h (e2e-hints)) (e2e-log "  hint line %d: %S" (1+ (car h)) (cdr h)))
      (dolist (e want)
        (e2e-check (e2e-hint-at (plist-get e :line))
                   (format "inlay hint overlay %S at line %d" (plist-get E :hint_contains) (1+ (plist-get e :line))))))
    ;; 4. goescape-toggle off and on
    (let ((on (goescape-toggle)))
      (e2e-check (not on) "goescape-toggle turns the hints off")
      (e2e-check (e2e-wait (lambda () (null (e2e-hints))) 15) "no hint overlays after goescape-toggle")
      (setq on (goescape-toggle))
      (e2e-check on "goescape-toggle turns them on again")
      (e2e-check (e2e-wait (lambda () (e2e-hints)) 15) "hint overlays are back")))

  ;; 5. a save re-analyzes: append a function with a new escape
  (let ((s (plist-get E :save)))
    (goto-char (point-max))
    (insert (plist-get s :append))
    (set-buffer-modified-p t)
    (save-buffer)
    (e2e-check (e2e-wait (lambda () (e2e-has-diag (plist-get s :line) (plist-get s :category))))
               (format "after save, diagnostic [%s] at the new line %d" (plist-get s :category) (1+ (plist-get s :line))))
    (when (fboundp 'eglot-inlay-hints-mode)
      (e2e-check (e2e-wait (lambda () (e2e-hint-at (plist-get s :line))))
                 (format "after save, an inlay hint at the new line %d" (1+ (plist-get s :line))))))

  ;; 6. a setting changes live (customize-set-variable pushes it to the server)
  (progn
    (let ((off (intern (plist-get E :setting_off)))
          (old goescape-categories))
      (customize-set-variable 'goescape-categories
                              (cons (cons off nil) (assq-delete-all off (copy-alist old))))
      (e2e-check (e2e-wait (lambda () (not (cl-some (lambda (d) (equal (nth 1 d) (symbol-name off))) (e2e-diags)))))
                 (format "goescape-categories %s off removes its diagnostics" off))
      (e2e-check (e2e-diags) "other categories stay")
      (customize-set-variable 'goescape-categories old)
      (e2e-check (e2e-wait (lambda () (cl-some (lambda (d) (equal (nth 1 d) (symbol-name off))) (e2e-diags))))
                 (format "goescape-categories %s on brings them back" off))))
  (e2e-finish 0))

(run-at-time (/ (string-to-number (or (getenv "E2E_TIMEOUT_MS") "170000")) 1000.0) nil
             (lambda () (e2e-log "TIMEOUT") (cl-incf e2e-failures) (e2e-finish 2)))
(condition-case err
    (e2e-run)
  (error (e2e-check nil (format "test raised: %S" err))
         (e2e-finish 1)))
